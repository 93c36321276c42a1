/**
 * Receipt → ESC/POS bytes. node-thermal-printer is used as an encoder only (no
 * interface, no execute()): it knows the EPSON and CUSTOM command tables and the
 * PC858 text encoding. The NV logo commands it lacks are written here by hand.
 */
import { BreakLine, CharacterSet, PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import type { LogoBitmap } from './logo';
import { checkLogo, logoToColumns } from './logo';
import type { Align, LayoutBlock, Receipt } from './receipt';
import { DEFAULT_WIDTH_CHARS, layoutReceipt } from './receipt';

export type PrinterModel = 'EPSON' | 'CUSTOM';

export type EncodeOptions = { model?: PrinterModel; widthChars?: number };

/** QR module size in dots: 6 dots = 0.75 mm at 203 dpi, easy for a phone camera. */
export const QR_CELL_SIZE = 6;

/** Key code of the logo in EPSON NV graphics memory ("SL", Sportello Logo); CUSTOM uses NV bit image 1. */
export const LOGO_KEY = Uint8Array.of(0x53, 0x4c);

const ALIGN_COMMANDS: Record<Align, 'alignLeft' | 'alignCenter' | 'alignRight'> = {
  left: 'alignLeft',
  center: 'alignCenter',
  right: 'alignRight',
};

/** The bytes that store the logo in the printer's non-volatile memory. Send once, not per receipt: NV writes wear the flash. */
export function encodeStoreLogo(logo: LogoBitmap, model: PrinterModel): Uint8Array {
  checkLogo(logo);
  if (model === 'CUSTOM') {
    const { xBytes, yBytes, data } = logoToColumns(logo);
    // prettier-ignore
    const head = [
      0x1c, 0x71, 0x01, // FS q 1: define NV bit image, one image (number 1)
      xBytes & 0xff, xBytes >> 8, // xL xH: width in units of 8 dots
      yBytes & 0xff, yBytes >> 8, // yL yH: height in units of 8 dots; column-format data follows
    ];
    return Uint8Array.from([...head, ...data]);
  }
  const size = 11 + logo.data.length; // bytes from m to the end of the data
  // prettier-ignore
  const head = [
    0x1d, 0x28, 0x4c, size & 0xff, size >> 8, // GS ( L pL pH: graphics command, parameter length
    0x30, 0x43, // m = 48, fn = 67: define NV graphics data (raster format)
    0x30, // a = 48: monochrome (digital)
    LOGO_KEY[0] ?? 0x53, LOGO_KEY[1] ?? 0x4c, // kc1 kc2: key code "SL"
    0x01, // b = 1: one colour
    logo.width & 0xff, logo.width >> 8, // xL xH: width in dots
    logo.height & 0xff, logo.height >> 8, // yL yH: height in dots
    0x31, // c = 49: colour 1 (black); raster data follows, MSB leftmost
  ];
  return Uint8Array.from([...head, ...logo.data]);
}

/** The bytes that print the stored logo by reference. */
export function encodePrintLogo(model: PrinterModel): Uint8Array {
  if (model === 'CUSTOM') {
    return Uint8Array.of(0x1c, 0x70, 0x01, 0x00); // FS p 1 0: print NV bit image 1, normal size
  }
  // prettier-ignore
  return Uint8Array.of(
    0x1d, 0x28, 0x4c, 0x06, 0x00, // GS ( L pL pH: graphics command, 6 parameter bytes
    0x30, 0x45, // m = 48, fn = 69: print the specified NV graphics data
    LOGO_KEY[0] ?? 0x53, LOGO_KEY[1] ?? 0x4c, // kc1 kc2: key code "SL"
    0x01, 0x01, // x = 1, y = 1: normal width and height
  );
}

type Style = { align: Align; bold: boolean; size: 1 | 2 };

/** Encodes laid-out blocks; exported for tests and the bench, callers use encodeReceipt. */
export function encodeBlocks(blocks: readonly LayoutBlock[], options: EncodeOptions = {}): Buffer {
  const model = options.model ?? 'EPSON';
  const width = options.widthChars ?? DEFAULT_WIDTH_CHARS;
  const printer = new ThermalPrinter({
    type: model === 'CUSTOM' ? PrinterTypes.CUSTOM : PrinterTypes.EPSON,
    interface: '', // no interface: we only want getBuffer()
    width,
    breakLine: BreakLine.NONE, // layoutReceipt already wrapped every line
  });
  printer.add(Buffer.from([0x1b, 0x40])); // ESC @: initialise (modes back to default)
  printer.setCharacterSet(CharacterSet.PC858_EURO); // ESC t 19: character code table PC858

  const style: Style = { align: 'left', bold: false, size: 1 };
  const set = (next: Partial<Style>) => {
    if (next.align !== undefined && next.align !== style.align) {
      printer[ALIGN_COMMANDS[next.align]]();
      style.align = next.align;
    }
    if (next.bold !== undefined && next.bold !== style.bold) {
      printer.bold(next.bold);
      style.bold = next.bold;
    }
    if (next.size !== undefined && next.size !== style.size) {
      // GS ! n. Only ever symmetric: node-thermal-printer puts height in the high nibble, where ESC/POS puts width.
      printer.setTextSize(next.size - 1, next.size - 1);
      style.size = next.size;
    }
  };

  for (const block of blocks) {
    switch (block.kind) {
      case 'logo':
        set({ align: 'center' });
        printer.add(Buffer.from(encodePrintLogo(model)));
        break;
      case 'text':
        set({ align: block.align, bold: block.bold, size: block.size });
        printer.println(block.text);
        break;
      case 'rule':
        set({ bold: false, size: 1 });
        printer.drawLine('-');
        break;
      case 'blank':
        printer.newLine();
        break;
      case 'qr':
        set({ align: 'center' });
        printer.printQR(block.payload, { cellSize: QR_CELL_SIZE, correction: 'M', model: 2 });
        break;
      case 'cut':
        printer.cut({ verticalTabAmount: 1 }); // ESC d 4, then GS V 0 (EPSON) or ESC i (CUSTOM), then ESC @
        break;
      default:
        return unreachable(block);
    }
  }
  // node-thermal-printer switches code page by itself when a character is missing; toPc858Safe must have prevented it.
  const active = (printer as unknown as { config: { codePage?: string } }).config.codePage;
  if (active !== CharacterSet.PC858_EURO) throw new Error(`encoder left code page PC858 (now ${String(active)})`);
  return printer.getBuffer();
}

function unreachable(block: never): never {
  throw new Error(`unknown layout block ${JSON.stringify(block)}`);
}

/** The ESC/POS bytes of one receipt: init, PC858, content, feed and cut. */
export function encodeReceipt(receipt: Receipt, options: EncodeOptions = {}): Buffer {
  return encodeBlocks(layoutReceipt(receipt, options.widthChars), options);
}
