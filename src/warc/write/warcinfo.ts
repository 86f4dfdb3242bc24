/** The warcinfo record that opens every file we write. */
import { newRecordId, type WarcRecord } from '../record';

export const SOFTWARE = 'warcwire/0.1.0';
export const CONFORMS_TO = 'http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/';

/** `application/warc-fields` body: `name: value` lines. Values must be single-line. */
export function warcFieldsBody(fields: Record<string, string>): Buffer {
  let text = '';
  for (const [name, value] of Object.entries(fields)) text += `${name}: ${value.replace(/[\r\n\0]+/g, ' ')}\r\n`;
  return Buffer.from(text, 'utf8');
}

export function buildWarcinfo(filename: string, hostname: string, user: Record<string, string>): WarcRecord {
  const body = warcFieldsBody({
    software: SOFTWARE,
    format: 'WARC File Format 1.1',
    conformsTo: CONFORMS_TO,
    hostname,
    ...user,
  });
  return {
    type: 'warcinfo',
    id: newRecordId(),
    date: new Date(),
    contentType: 'application/warc-fields',
    fields: [['WARC-Filename', filename]],
    block: body,
  };
}
