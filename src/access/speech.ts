/**
 * Speech output in the renderer: what a blind resident hears through the
 * headphones. Everything spoken is read from the DOM the resident would see
 * (a screen's title and text, a control's accessible name, an alert), and
 * every visible string is an i18n key, so the spoken text comes from the same
 * keys as the labels, in the current language. The runtime speaks it with
 * espeak-ng (`speech.say`).
 *
 * Never spoken: anything inside `data-speech="secret"` (a PIN or pickup code
 * being typed: its keys are named when focused, the value never) and anything
 * `aria-hidden`.
 */

/** The part of a DOM node the text extraction reads (so the unit tests can build trees without a DOM). */
export type SpeechNode = {
  readonly nodeType: number;
  readonly nodeValue: string | null;
  readonly childNodes: ArrayLike<SpeechNode>;
  readonly tagName?: string;
  getAttribute?(name: string): string | null;
};

export type ById = (id: string) => SpeechNode | null;

/** Words for roles and states, in the current language (the `access.*` keys). */
export type SpeechWords = {
  role(role: string): string | undefined;
  pressed: string;
  notPressed: string;
  checked: string;
  notChecked: string;
  unavailable: string;
  secret: string;
};

const ELEMENT = 1;
const TEXT = 3;
/** The contract's limit on one utterance. */
export const MAX_UTTERANCE = 4000;

const BLOCKS = new Set([
  'P',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'LI',
  'DIV',
  'SECTION',
  'ARTICLE',
  'DT',
  'DD',
  'TR',
  'TD',
  'TH',
  'BUTTON',
  'UL',
  'OL',
  'DL',
  'HEADER',
  'FOOTER',
  'NAV',
  'MAIN',
  'FIGURE',
  'FIGCAPTION',
  'LABEL',
  'TABLE',
  'FORM',
  'ASIDE',
  'BLOCKQUOTE',
  'PRE',
  'ADDRESS',
  'FIELDSET',
  'LEGEND',
  'TIME',
]);
const INTERACTIVE_TAGS = new Set(['BUTTON', 'A', 'INPUT', 'SELECT', 'TEXTAREA']);
const INTERACTIVE_ROLES = new Set([
  'button',
  'link',
  'radio',
  'checkbox',
  'switch',
  'textbox',
  'radiogroup',
  'menuitem',
  'option',
  'tab',
  'slider',
]);

const attr = (node: SpeechNode, name: string): string | null => node.getAttribute?.(name) ?? null;

/** Inside a PIN or pickup code: neither its text nor its value is ever spoken. */
export function isSecret(node: SpeechNode): boolean {
  return attr(node, 'data-speech') === 'secret';
}

function isHidden(node: SpeechNode): boolean {
  return attr(node, 'aria-hidden') === 'true' || attr(node, 'hidden') !== null || isSecret(node);
}

/** A control: skipped when a screen's text is read (it is spoken when it has focus). */
export function isInteractive(node: SpeechNode): boolean {
  if (node.nodeType !== ELEMENT) return false;
  const role = attr(node, 'role');
  if (role !== null) return INTERACTIVE_ROLES.has(role);
  return INTERACTIVE_TAGS.has(node.tagName ?? '');
}

/** Joins text pieces into sentences: blocks end with a full stop unless they already end in punctuation. */
export function sentences(pieces: readonly string[]): string {
  return pieces
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '')
    .map((p) => (/[.!?:;…؟»"”)]$/.test(p) ? p : `${p}.`))
    .join(' ');
}

/** The text a sighted resident reads in `node`, block by block; controls skipped when `skipControls`. */
export function textBlocks(node: SpeechNode, skipControls = false): string[] {
  const blocks: string[] = [];
  let line = '';
  const flush = () => {
    if (line.trim() !== '') blocks.push(line.replace(/\s+/g, ' ').trim());
    line = '';
  };
  const walk = (n: SpeechNode, root: boolean) => {
    if (n.nodeType === TEXT) {
      line += n.nodeValue ?? '';
      return;
    }
    if (n.nodeType !== ELEMENT || isHidden(n)) return;
    if (!root && skipControls && isInteractive(n)) return;
    const block = BLOCKS.has(n.tagName ?? '');
    if (block) flush();
    for (let i = 0; i < n.childNodes.length; i++) walk(n.childNodes[i]!, false);
    if (block) flush();
    else line += ' ';
  };
  walk(node, true);
  flush();
  return blocks;
}

/** The plain text of `node` on one line. */
export function plainText(node: SpeechNode): string {
  return textBlocks(node).join(' ').replace(/\s+/g, ' ').trim();
}

function idrefsText(node: SpeechNode, name: string, byId: ById): string {
  const ids = attr(node, name);
  if (!ids) return '';
  return ids
    .split(/\s+/)
    .map((id) => byId(id))
    .filter((n): n is SpeechNode => n !== null && !isSecret(n))
    .map(plainText)
    .join(' ')
    .trim();
}

/** The accessible name, as a screen reader computes it (the subset the kit uses). */
export function accessibleName(node: SpeechNode, byId: ById): string {
  return (
    idrefsText(node, 'aria-labelledby', byId) ||
    (attr(node, 'aria-label') ?? '').trim() ||
    (attr(node, 'alt') ?? '').trim() ||
    (attr(node, 'title') ?? '').trim() ||
    plainText(node)
  );
}

/** The role, explicit or implied by the tag. */
export function roleOf(node: SpeechNode): string {
  const role = attr(node, 'role');
  if (role) return role.split(/\s+/)[0]!;
  const implicit: Record<string, string> = {
    BUTTON: 'button',
    A: 'link',
    INPUT: 'textbox',
    TEXTAREA: 'textbox',
    MAIN: 'main',
  };
  return implicit[node.tagName ?? ''] ?? 'generic';
}

/**
 * What is said when a control gets focus: its name (the label's i18n text),
 * its role and state, and its description. A secret field says only its name.
 */
export function describeControl(node: SpeechNode, byId: ById, words: SpeechWords, inSecret = false): string {
  const name = accessibleName(node, byId);
  const role = roleOf(node);
  const parts = [name];
  const roleWord = words.role(role);
  if (roleWord) parts.push(roleWord);
  const pressed = attr(node, 'aria-pressed');
  if (pressed === 'true') parts.push(words.pressed);
  else if (pressed === 'false') parts.push(words.notPressed);
  const checked = attr(node, 'aria-checked');
  if (checked === 'true') parts.push(words.checked);
  else if (checked === 'false') parts.push(words.notChecked);
  if (attr(node, 'aria-disabled') === 'true' || attr(node, 'disabled') !== null) parts.push(words.unavailable);
  if (role === 'textbox') {
    // The value of a secret field is never read, not even its length.
    if (inSecret || isSecret(node)) parts.push(words.secret);
    else {
      const value = plainText(node) || (attr(node, 'value') ?? '');
      if (value) parts.push(value);
    }
  }
  const description = idrefsText(node, 'aria-describedby', byId);
  // A name that already holds the description (a choice's title + description) is not repeated.
  if (description && !name.includes(description)) parts.push(description);
  return sentences([
    parts
      .filter((p) => p !== '')
      .map((p) => p.replace(/[.,:;]+$/, ''))
      .join(', '),
  ]);
}

/** What is said when a screen (or a dialog) appears: its title and everything it shows to read, not the controls. */
export function describeScreen(region: SpeechNode, byId: ById): string {
  const role = attr(region, 'role');
  if (role === 'dialog' || role === 'alertdialog') {
    const title = idrefsText(region, 'aria-labelledby', byId);
    const blocks = textBlocks(region, true).filter((b) => b !== title);
    return truncate(sentences([title, ...blocks]));
  }
  return truncate(sentences(textBlocks(region, true)));
}

/** Cuts at the last sentence that fits the contract's limit. */
export function truncate(text: string, max = MAX_UTTERANCE): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('? '), cut.lastIndexOf('! '));
  return end > max / 2 ? cut.slice(0, end + 1) : cut;
}

// ── the controller: watches the page and speaks ──────────────────────────────

export type SpeechController = {
  /** Speaks the current screen (and the focused control) now. */
  speakScreen(extra?: string): void;
  /** Drops what was about to be said (a focus settling), so something said now is not cut by it. */
  cancelPending(): void;
  stop(): void;
};

const DIALOG = '[role="dialog"][aria-modal="true"], [role="alertdialog"][aria-modal="true"]';
/** Changes and errors: spoken when they appear or change. */
const LIVE = '[role="alert"], [role="status"]';
/** Screen, alerts and focus arriving together (a render, then its focus effect) become one utterance. */
const SETTLE_MS = 150;

/** The region a resident is looking at: an open modal dialog, else the screen's main. */
function currentRegion(doc: Document): Element | null {
  return doc.querySelector(DIALOG) ?? doc.querySelector('main');
}

/** A screen is "new" when its language, its dialog or its headings change (a flow's next step has a new heading). */
function regionKey(doc: Document, region: Element | null): string {
  if (!region) return '';
  const headings = region.matches(DIALOG)
    ? accessibleName(region, (id) => doc.getElementById(id))
    : Array.from(region.querySelectorAll('h1, h2'), (h) => h.textContent ?? '').join('|');
  return `${doc.documentElement.lang}|${region.getAttribute('role') ?? 'main'}|${headings}`;
}

/**
 * Watches `doc` while speech mode is on: a new screen or dialog, a focused
 * control, an alert or status that appears or changes; calls `say` with the
 * text. It starts by saying `intro` and the current screen; `stop()` disconnects it.
 */
export function watchAndSpeak(
  doc: Document,
  say: (text: string) => void,
  words: () => SpeechWords,
  intro = '',
): SpeechController {
  const byId: ById = (id) => doc.getElementById(id);
  let lastKey = '';
  const liveTexts = new WeakMap<Element, string>();
  let pending: { screen: string; live: string[]; focus: string } = { screen: '', live: [], focus: '' };
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** What was said for the screen, kept while focus settles, so a late focus adds to it rather than cutting it. */
  let lastScreen = { text: '', at: 0 };

  const flush = () => {
    timer = null;
    const recentScreen = !pending.screen && Date.now() - lastScreen.at < 1500 ? lastScreen.text : '';
    const text = [pending.screen || recentScreen, ...pending.live, pending.focus].filter((t) => t !== '').join(' ');
    if (pending.screen) lastScreen = { text: pending.screen, at: Date.now() };
    pending = { screen: '', live: [], focus: '' };
    if (text.trim() !== '') say(truncate(text));
  };
  const schedule = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(flush, SETTLE_MS);
  };

  const describeFocus = (el: Element | null): string => {
    if (!el || el === doc.body || el === doc.documentElement) return '';
    // A step's heading takes focus when the step appears: the screen text already says it.
    if (/^H[1-6]$/.test(el.tagName)) return '';
    return describeControl(el, byId, words(), el.closest('[data-speech="secret"]') !== null);
  };

  const remember = (region: Element | null) => {
    for (const el of Array.from(doc.querySelectorAll(LIVE))) liveTexts.set(el, plainText(el));
    lastKey = regionKey(doc, region);
  };

  const check = () => {
    const region = currentRegion(doc);
    const key = regionKey(doc, region);
    if (key !== lastKey) {
      remember(region);
      pending.screen = region ? describeScreen(region, byId) : '';
      pending.live = [];
      pending.focus = describeFocus(doc.activeElement);
      schedule();
      return;
    }
    for (const el of Array.from(doc.querySelectorAll(LIVE))) {
      if (el.closest('[data-speech="secret"]')) continue;
      const text = plainText(el);
      if (text !== '' && liveTexts.get(el) !== text) pending.live.push(text);
      liveTexts.set(el, text);
    }
    if (pending.live.length > 0) schedule();
  };

  const observer = new MutationObserver(check);
  observer.observe(doc.body, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['aria-hidden', 'hidden', 'role', 'lang'],
  });
  const onFocus = (e: FocusEvent) => {
    pending.focus = describeFocus(e.target as Element | null);
    schedule();
  };
  doc.addEventListener('focusin', onFocus);

  const speakScreen = (extra = '') => {
    const region = currentRegion(doc);
    remember(region);
    const screen = region ? describeScreen(region, byId) : '';
    pending = {
      screen: [extra, screen].filter((t) => t !== '').join(' '),
      live: [],
      focus: describeFocus(doc.activeElement),
    };
    flush();
  };
  speakScreen(intro);

  return {
    speakScreen,
    cancelPending() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      pending = { screen: '', live: [], focus: '' };
    },
    stop() {
      observer.disconnect();
      doc.removeEventListener('focusin', onFocus);
      if (timer !== null) clearTimeout(timer);
    },
  };
}
