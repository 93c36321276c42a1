import { describe, expect, it } from 'vitest';
import { accessibleName, describeControl, describeScreen, isInteractive, sentences, truncate } from './speech';
import type { SpeechNode, SpeechWords } from './speech';

/** A tiny element tree with what the extraction reads: tag, attributes, children, text. */
type El = SpeechNode & { id?: string };
function el(tag: string, attrs: Record<string, string>, ...children: Array<El | string>): El {
  const nodes: SpeechNode[] = children.map((c) =>
    typeof c === 'string' ? { nodeType: 3, nodeValue: c, childNodes: [] } : c,
  );
  return {
    nodeType: 1,
    nodeValue: null,
    tagName: tag.toUpperCase(),
    childNodes: nodes,
    getAttribute: (name) => attrs[name] ?? null,
    id: attrs.id,
  };
}
function byIdIn(root: El) {
  return (id: string): SpeechNode | null => {
    const walk = (n: SpeechNode): SpeechNode | null => {
      if ((n as El).id === id) return n;
      for (let i = 0; i < n.childNodes.length; i++) {
        const found = walk(n.childNodes[i]!);
        if (found) return found;
      }
      return null;
    };
    return walk(root);
  };
}

const WORDS: SpeechWords = {
  role: (r) => ({ button: 'pulsante', radio: 'opzione', textbox: 'campo di testo' })[r],
  pressed: 'attivo',
  notPressed: 'non attivo',
  checked: 'selezionata',
  notChecked: 'non selezionata',
  unavailable: 'non disponibile',
  secret: 'contenuto nascosto',
};

describe('the text a screen speaks', () => {
  it('reads the title and every text block the resident sees, not the controls', () => {
    const main = el(
      'main',
      { 'aria-labelledby': 'screen-title' },
      el('h1', { id: 'screen-title' }, 'Certificati anagrafici'),
      el('p', {}, 'Avvicina la tessera sanitaria al lettore'),
      el('p', { role: 'alert' }, 'Il codice fiscale non è valido.'),
      el('span', { 'aria-hidden': 'true' }, '→'),
      el('button', {}, 'Continua'),
      el('div', { role: 'radiogroup' }, el('button', { role: 'radio' }, 'Per me')),
    );
    expect(describeScreen(main, byIdIn(main))).toBe(
      'Certificati anagrafici. Avvicina la tessera sanitaria al lettore. Il codice fiscale non è valido.',
    );
  });

  it('never reads a secret: a pickup code or PIN being typed', () => {
    const main = el(
      'main',
      {},
      el('h1', {}, 'Codice di ritiro'),
      el('div', { 'data-speech': 'secret' }, el('div', { role: 'textbox', id: 'v' }, 'K7Q2 9FXM')),
      el('p', {}, 'Digita il codice'),
    );
    const text = describeScreen(main, byIdIn(main));
    expect(text).toBe('Codice di ritiro. Digita il codice.');
    expect(text).not.toContain('K7Q2');
  });

  it('reads a dialog by its title and what it says', () => {
    const dialog = el(
      'div',
      { role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': 'idle-title' },
      el('h2', { id: 'idle-title' }, 'Ti serve altro tempo?'),
      el('p', {}, 'Ancora 20 secondi'),
      el('button', {}, 'Sì, altro tempo'),
    );
    expect(describeScreen(dialog, byIdIn(dialog))).toBe('Ti serve altro tempo? Ancora 20 secondi.');
  });
});

describe('the text a focused control speaks', () => {
  it('says the label (its i18n text), role and state', () => {
    const b = el('button', { 'aria-pressed': 'true' }, 'Testo grande');
    expect(describeControl(b, () => null, WORDS)).toBe('Testo grande, pulsante, attivo.');
    const radio = el(
      'button',
      { role: 'radio', 'aria-checked': 'false', 'aria-describedby': 'd' },
      el('span', { 'aria-hidden': 'true' }),
      el('span', {}, el('span', {}, 'Per me'), el('span', { id: 'd' }, 'Il certificato è tuo')),
    );
    expect(describeControl(radio, byIdIn(radio), WORDS)).toBe('Per me Il certificato è tuo, opzione, non selezionata.');
  });

  it('prefers aria-labelledby, then aria-label, over the text', () => {
    const root = el('div', {}, el('p', { id: 'l' }, 'Codice fiscale'), el('button', { 'aria-label': 'punto' }, '.'));
    const key = root.childNodes[1] as El;
    expect(accessibleName(key, byIdIn(root))).toBe('punto');
    const box = el('div', { role: 'textbox', 'aria-labelledby': 'l' }, 'RSSMRA');
    expect(accessibleName(box, byIdIn(root))).toBe('Codice fiscale');
  });

  it('says a disabled step action is unavailable, and why', () => {
    const root = el(
      'div',
      {},
      el('p', { id: 'h' }, 'Scegli un tipo di certificato.'),
      el('button', { 'aria-disabled': 'true', 'aria-describedby': 'h' }, 'Continua'),
    );
    expect(describeControl(root.childNodes[1] as El, byIdIn(root), WORDS)).toBe(
      'Continua, pulsante, non disponibile, Scegli un tipo di certificato.',
    );
  });

  it('names a secret field without its value', () => {
    const box = el('div', { role: 'textbox', 'aria-label': 'Codice di ritiro', 'data-speech': 'secret' }, '1234');
    const text = describeControl(box, () => null, WORDS);
    expect(text).toBe('Codice di ritiro, campo di testo, contenuto nascosto.');
    expect(
      describeControl(el('div', { role: 'textbox', 'aria-label': 'PIN' }, '9876'), () => null, WORDS, true),
    ).not.toContain('9876');
  });
});

describe('sentences', () => {
  it('ends each block with a full stop unless it has punctuation', () => {
    expect(sentences(['Ciao', 'Come stai?', '  ', 'Bene:'])).toBe('Ciao. Come stai? Bene:');
  });
  it('knows the controls', () => {
    expect(isInteractive(el('button', {}))).toBe(true);
    expect(isInteractive(el('div', { role: 'radiogroup' }))).toBe(true);
    expect(isInteractive(el('p', {}))).toBe(false);
  });
  it('cuts long text at a sentence within the contract limit', () => {
    const long = Array.from({ length: 400 }, (_, i) => `Frase numero ${i}.`).join(' ');
    const cut = truncate(long);
    expect(cut.length).toBeLessThanOrEqual(4000);
    expect(cut.endsWith('.')).toBe(true);
  });
});
