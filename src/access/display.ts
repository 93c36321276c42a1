/**
 * Display modes for low vision and for wheelchair users, as attributes on
 * <html> that display.css styles: every screen gets them without knowing.
 *
 * - `data-text="large"`: the root font size × 1.5 (EN 301 549 5.1.4: the
 *   kit sizes text in rem, so everything grows; screens scroll).
 * - `data-contrast="high"`: black on white and dark blue, ≥ 7:1 (WCAG 1.4.6 AAA).
 * - `data-layout="reach"`: on a portrait screen every control sits in the
 *   lower 55 % (EN 301 549 5.1.3.13 / 8.3 reach; see docs/ACCESSIBILITY.md).
 */
import './display.css';

export type DisplayMode = 'largeText' | 'highContrast' | 'reach';
export type DisplayModes = Readonly<Record<DisplayMode, boolean>>;

export const DISPLAY_MODES: readonly DisplayMode[] = ['largeText', 'highContrast', 'reach'];
export const DEFAULT_DISPLAY: DisplayModes = { largeText: false, highContrast: false, reach: false };

/** The attribute and its value when a mode is on. */
export const ATTRIBUTES: Readonly<Record<DisplayMode, readonly [name: string, value: string]>> = {
  largeText: ['data-text', 'large'],
  highContrast: ['data-contrast', 'high'],
  reach: ['data-layout', 'reach'],
};

/** The part of an element `applyDisplay` touches (the document's <html>). */
export type AttributeTarget = {
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
};

/** Puts the modes on `root` as attributes; a mode that is off leaves no attribute behind. */
export function applyDisplay(root: AttributeTarget, modes: DisplayModes): void {
  for (const mode of DISPLAY_MODES) {
    const [name, value] = ATTRIBUTES[mode];
    if (modes[mode]) root.setAttribute(name, value);
    else root.removeAttribute(name);
  }
}
