import { describe, expect, it } from 'vitest';
import { actionFor } from './keymap';
import type { KeyContext } from './keymap';

const LTR: KeyContext = { rtl: false, typing: false, inDialog: false, inTextField: false };

describe('the keymap', () => {
  it('walks the controls with the arrows in reading order, mirrored right-to-left', () => {
    expect(actionFor({ key: 'ArrowDown' }, LTR)).toBe('next');
    expect(actionFor({ key: 'ArrowUp' }, LTR)).toBe('previous');
    expect(actionFor({ key: 'ArrowRight' }, LTR)).toBe('next');
    expect(actionFor({ key: 'ArrowLeft' }, LTR)).toBe('previous');
    const rtl = { ...LTR, rtl: true };
    expect(actionFor({ key: 'ArrowRight' }, rtl)).toBe('previous');
    expect(actionFor({ key: 'ArrowLeft' }, rtl)).toBe('next');
    expect(actionFor({ key: 'ArrowDown' }, rtl)).toBe('next');
  });

  it('leaves left and right to a text field, where they move the caret', () => {
    const field = { ...LTR, typing: true, inTextField: true };
    expect(actionFor({ key: 'ArrowRight' }, field)).toBeNull();
    expect(actionFor({ key: 'ArrowLeft' }, field)).toBeNull();
    expect(actionFor({ key: 'ArrowDown' }, field)).toBe('next');
  });

  it('keeps Tab for the browser outside a dialog and inside one moves within it', () => {
    expect(actionFor({ key: 'Tab' }, LTR)).toBeNull();
    const dialog = { ...LTR, inDialog: true };
    expect(actionFor({ key: 'Tab' }, dialog)).toBe('next');
    expect(actionFor({ key: 'Tab', shiftKey: true }, dialog)).toBe('previous');
  });

  it('goes back with Escape, and with Backspace only when nothing is being typed', () => {
    expect(actionFor({ key: 'Escape' }, LTR)).toBe('back');
    expect(actionFor({ key: 'Backspace' }, LTR)).toBe('back');
    expect(actionFor({ key: 'Backspace' }, { ...LTR, typing: true })).toBeNull();
  });

  it('has help, speech, repeat, stop and volume keys; ?, + and - are characters while typing', () => {
    expect(actionFor({ key: 'F1' }, LTR)).toBe('help');
    expect(actionFor({ key: '?' }, LTR)).toBe('help');
    expect(actionFor({ key: 'F2' }, LTR)).toBe('speech');
    expect(actionFor({ key: '*' }, LTR)).toBe('speech');
    expect(actionFor({ key: 'F3' }, LTR)).toBe('repeat');
    expect(actionFor({ key: 'F4' }, LTR)).toBe('stop');
    expect(actionFor({ key: 'F12' }, LTR)).toBe('volumeUp');
    expect(actionFor({ key: 'F11' }, LTR)).toBe('volumeDown');
    expect(actionFor({ key: 'AudioVolumeUp' }, LTR)).toBe('volumeUp');
    expect(actionFor({ key: '+' }, LTR)).toBe('volumeUp');
    expect(actionFor({ key: '-' }, LTR)).toBe('volumeDown');
    const typing = { ...LTR, typing: true };
    expect(actionFor({ key: '?' }, typing)).toBeNull();
    expect(actionFor({ key: '+' }, typing)).toBeNull();
    expect(actionFor({ key: '-' }, typing)).toBeNull();
    expect(actionFor({ key: 'F1' }, typing)).toBe('help');
  });

  it('selects with Enter and Space, and ignores chords and letters', () => {
    expect(actionFor({ key: 'Enter' }, LTR)).toBe('select');
    expect(actionFor({ key: ' ' }, LTR)).toBe('select');
    expect(actionFor({ key: 'ArrowDown', ctrlKey: true }, LTR)).toBeNull();
    expect(actionFor({ key: 'F1', altKey: true }, LTR)).toBeNull();
    expect(actionFor({ key: 'a' }, LTR)).toBeNull();
  });
});
