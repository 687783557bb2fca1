import { describeFirstIssue } from '../events/describe-issue';
import { SiteMapSchema } from './site-map.schema';

const square = (lon: number, lat: number, d = 0.001) => [
  [
    [lon, lat],
    [lon + d, lat],
    [lon + d, lat + d],
    [lon, lat + d],
    [lon, lat],
  ],
];
const aMap = () => ({
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: square(25.46, -10.72, 0.01) },
      properties: { kind: 'perimeter', name: 'Lease' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: square(25.461, -10.719) },
      properties: { kind: 'zone', zone: 'north-fence' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [25.4615, -10.7185] },
      properties: { kind: 'sensor', sensorId: 'fence-north-4' },
    },
  ],
});
const issue = (map: unknown) => {
  const parsed = SiteMapSchema.safeParse(map);
  return parsed.success ? undefined : describeFirstIssue(parsed.error, map, 'body');
};

describe('a site map', () => {
  it('takes a perimeter, zones and sensors, keeping their other properties', () => {
    const parsed = SiteMapSchema.parse(aMap());
    expect(parsed.features).toHaveLength(3);
    expect(parsed.features[0].properties).toEqual({ kind: 'perimeter', name: 'Lease' });
  });

  it('refuses a ring that is not closed', () => {
    const map = aMap();
    (map.features[1].geometry.coordinates as number[][][])[0][4] = [25.5, -10.7];
    expect(issue(map)).toMatch(/closed/);
  });

  it('refuses a latitude outside WGS 84 (coordinates given lat first)', () => {
    const map = aMap();
    map.features[2].geometry.coordinates = [-10.7185, 125.4615];
    expect(issue(map)).toMatch(/features\.2\.geometry\.coordinates/);
  });

  it('refuses a zone without its name, a sensor without its id, and an unknown kind', () => {
    const noZone = aMap();
    delete (noZone.features[1].properties as { zone?: string }).zone;
    expect(issue(noZone)).toMatch(/features\.1\.properties\.zone/);
    const noSensor = aMap();
    noSensor.features[2].properties = { kind: 'sensor' } as never;
    expect(issue(noSensor)).toMatch(/features\.2\.properties\.sensorId/);
    const unknown = aMap();
    unknown.features[0].properties = { kind: 'road' } as never;
    expect(issue(unknown)).toMatch(/features\.0\.properties\.kind/);
  });

  it('refuses a zone drawn as a point, and a zone drawn twice', () => {
    const point = aMap();
    point.features[1].geometry = { type: 'Point', coordinates: [25.46, -10.72] } as never;
    expect(issue(point)).toMatch(/features\.1\.geometry/);
    const twice = aMap();
    twice.features.push(twice.features[1]);
    expect(issue(twice)).toMatch(/drawn twice/);
  });

  it('refuses kept properties PostgreSQL could not store (a NUL character)', () => {
    const map = aMap();
    map.features[0].properties = { kind: 'perimeter', note: { text: 'a\u0000b' } } as never;
    expect(issue(map)).toMatch(/features\.0\.properties\.note\.text.*NUL/);
  });
});
