import { decodeCursor, keysetPage } from './cursor';

type Row = { at: Date; id: string };
const row = (id: number): Row => ({ at: new Date(Date.UTC(2026, 0, 1, 0, id)), id: String(id) });
const cursorOf = (r: Row): [Date, string] => [r.at, r.id];

describe('keysetPage', () => {
  it('keeps the first limit rows and points the cursor after the last kept one when there is more', () => {
    const { page, nextCursor } = keysetPage([row(3), row(2), row(1)], 2, cursorOf);
    expect(page.map((r) => r.id)).toEqual(['3', '2']);
    expect(decodeCursor(nextCursor!, 'bigint')).toEqual({ at: row(2).at, id: '2' });
  });

  it('has no cursor when the rows fit in the page', () => {
    expect(keysetPage([row(2), row(1)], 2, cursorOf)).toEqual({ page: [row(2), row(1)], nextCursor: null });
  });

  it('has no cursor for no rows', () => {
    expect(keysetPage([], 5, cursorOf)).toEqual({ page: [], nextCursor: null });
  });

  it('encodes a numeric id as a cursor a bigint list accepts', () => {
    const rows = [7, 6].map((id) => ({ at: row(id).at, id }));
    const { nextCursor } = keysetPage(rows, 1, (r) => [r.at, r.id]);
    expect(decodeCursor(nextCursor!, 'bigint')).toEqual({ at: row(7).at, id: '7' });
  });
});
