import { fileTypeFromBuffer } from 'file-type';

/** What a shop attaches: drawings and proofs, photos, office documents, plain text. */
const accepted: Record<string, { contentType: string; label: string }> = {
  pdf: { contentType: 'application/pdf', label: 'PDF' },
  png: { contentType: 'image/png', label: 'PNG image' },
  jpg: { contentType: 'image/jpeg', label: 'JPEG image' },
  gif: { contentType: 'image/gif', label: 'GIF image' },
  webp: { contentType: 'image/webp', label: 'WebP image' },
  tif: { contentType: 'image/tiff', label: 'TIFF image' },
  heic: { contentType: 'image/heic', label: 'HEIC photo' },
  eps: { contentType: 'application/postscript', label: 'EPS drawing' },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', label: 'Word document' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', label: 'Excel workbook' },
  pptx: { contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', label: 'PowerPoint presentation' },
  // Word 97–2003, Excel 97–2003: one container format; the name says which.
  cfb: { contentType: 'application/x-cfb', label: 'Office 97–2003 document' },
  odt: { contentType: 'application/vnd.oasis.opendocument.text', label: 'OpenDocument text' },
  ods: { contentType: 'application/vnd.oasis.opendocument.spreadsheet', label: 'OpenDocument spreadsheet' },
};

const legacyOffice: Record<string, string> = { doc: 'application/msword', xls: 'application/vnd.ms-excel', ppt: 'application/vnd.ms-powerpoint' };

export interface SniffedType {
  contentType: string;
  label: string;
}

export const acceptedTypesInWords = 'PDF, images (PNG, JPEG, GIF, WebP, TIFF, HEIC), EPS, Word, Excel, PowerPoint, OpenDocument, or plain text and CSV';

/**
 * The file's type from its bytes, never from the name or the browser's say-so: what it really is,
 * or undefined when Traveler does not keep that kind of file. A .txt or .csv file counts as text
 * only when it is valid UTF-8 with no control characters but tabs and line ends.
 */
export async function sniffFileType(data: Buffer, fileName: string): Promise<SniffedType | undefined> {
  const found = await fileTypeFromBuffer(data);
  const extension = fileName.toLowerCase().split('.').pop() ?? '';
  if (found) {
    if (found.ext === 'cfb') {
      const contentType = legacyOffice[extension];
      return contentType ? { contentType, label: accepted.cfb!.label } : undefined;
    }
    const type = accepted[found.ext];
    return type ? { contentType: type.contentType, label: type.label } : undefined;
  }
  // Text has no signature: it is taken only under a text file's name, so a page or a script named "po.pdf" is refused.
  if (extension === 'csv' && isPlainText(data)) return { contentType: 'text/csv', label: 'CSV' };
  if (extension === 'txt' && isPlainText(data)) return { contentType: 'text/plain', label: 'Text' };
  return undefined;
}

const controlCharacter = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

function isPlainText(data: Buffer): boolean {
  try {
    // Streaming: a character cut at the 64 KB mark is not a decoding error.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(0, 65_536), { stream: true });
    return !controlCharacter.test(text);
  } catch {
    return false;
  }
}
