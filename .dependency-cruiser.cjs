/**
 * The import rules of ../shared/ARCHITECTURE.md ("may import" column), checked
 * on every `npm run check`: a wrong arrow fails the build, not a review.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-shell-main',
      comment: 'Only kiosk-shell/main may import electron; the runtime, the UI and every test run without it.',
      severity: 'error',
      from: { pathNot: '^kiosk-shell/main/(?!.*\\.test\\.ts$)' },
      to: { path: '^(node_modules/)?electron(/|$)' },
    },
    {
      name: 'renderer-sees-contract-types-only',
      comment: 'src/ talks to the runtime only through the kiosk API client, importing types from the contract.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^kiosk-shell/api/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-stays-in-renderer',
      comment: 'The renderer never reaches the runtime, devices, store or hub, nor Node built-ins.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(kiosk-shell/(main|runtime)|hardware|sync|server)/' },
    },
    {
      name: 'renderer-no-node-builtins',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.tsx?$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shell-main-only-contract',
      comment: 'Electron main holds no business logic: it may import electron and the contract only.',
      severity: 'error',
      from: { path: '^kiosk-shell/main/' },
      to: { path: '^(src|kiosk-shell/runtime|hardware|sync|server)/' },
    },
    {
      name: 'runtime-not-ui-or-hub',
      severity: 'error',
      from: { path: '^kiosk-shell/runtime/' },
      to: { path: '^(src|kiosk-shell/main|server)/' },
    },
    {
      name: 'contract-is-zod-only',
      comment: 'The kiosk API contract depends on zod and nothing else of ours.',
      severity: 'error',
      from: { path: '^kiosk-shell/api/' },
      to: { path: '^(src|kiosk-shell/(main|runtime)|hardware|sync|server)/' },
    },
    {
      name: 'hardware-is-a-leaf',
      severity: 'error',
      from: { path: '^hardware/' },
      to: { path: '^(src|kiosk-shell|sync|server)/' },
    },
    {
      name: 'sync-knows-no-devices-ui-or-hub',
      severity: 'error',
      from: { path: '^sync/' },
      to: { path: '^(src|kiosk-shell|hardware|server)/' },
    },
    {
      name: 'hub-never-imports-kiosk-code',
      comment: 'The hub shares only sync/protocol and sync/crypto with the kiosk.',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(src|kiosk-shell|hardware|sync/(?!protocol/|crypto/))' },
    },
    {
      name: 'console-is-a-browser-app',
      comment:
        "The hub console (server/console) runs in the browser: react and its own files, never the hub's server code, the kiosk, or Node built-ins.",
      severity: 'error',
      from: { path: '^server/console/', pathNot: '^server/console/vite\\.config\\.ts$' },
      to: { path: '^(src|kiosk-shell|hardware|sync|server/(?!console/))' },
    },
    {
      name: 'console-no-node-builtins',
      severity: 'error',
      from: { path: '^server/console/', pathNot: '^server/console/vite\\.config\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'hub-server-not-console-ui',
      comment: 'The hub serves the built console as files; its code never imports the React app.',
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/console/' },
      to: { path: '^server/console/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|var|test-results)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // Packages such as uuid publish only an "exports" map.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
