import { csvField } from './incident-export';

describe('CSV fields of the incident export', () => {
  it('quotes commas, quotes and line breaks', () => {
    expect(csvField('Drone at kolwezi-1, tailings')).toBe('"Drone at kolwezi-1, tailings"');
    expect(csvField('the "north" fence')).toBe('"the ""north"" fence"');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
  });

  it('writes lists with semicolons, numbers as they are and null as empty', () => {
    expect(csvField(['drone', 'theft'])).toBe('drone;theft');
    expect(csvField(7)).toBe('7');
    expect(csvField(null)).toBe('');
  });
});
