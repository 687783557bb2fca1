import 'reflect-metadata';
import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { documentAs, JsonSchemaCollector } from './json-schema';
import { openApiDocument } from './openapi';
import { collectRouteContracts, Route, route } from './route-contract';

const Thing = z.object({ id: z.string(), at: z.iso.datetime() }).meta({ id: 'SpecThing' });

const getThing = route({
  method: 'get',
  path: '/things/{id}',
  operationId: 'getThing',
  summary: 'A thing',
  tags: ['things'],
  auth: 'bearer',
  roles: ['lead', 'admin'],
  params: { id: z.string() },
  responses: { 200: { description: 'The thing', schema: Thing, example: { id: 'a', at: '2026-11-29T02:00:00.000Z' } } },
});
const probe = route({
  method: 'get',
  path: '/probe',
  operationId: 'probe',
  summary: 'A probe',
  tags: ['things'],
  auth: 'none',
  rateLimited: false,
  responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
});
const tags = [{ name: 'things', description: 'Things' }];

@Controller()
class ThingsController {
  @Route(getThing)
  get() {
    return undefined;
  }
}

@Controller()
class UndocumentedController {
  @Get('secret')
  get() {
    return undefined;
  }
}

type Operation = {
  security: unknown[];
  description: string;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
};

describe('the OpenAPI document from route contracts', () => {
  const doc = openApiDocument([getThing, probe], tags) as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, object> };
  };

  it('refers to a named schema as a component, and says who may call the operation', () => {
    const op = doc.paths['/things/{id}'].get;
    expect(op.responses['200'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/SpecThing' });
    expect(doc.components.schemas.SpecThing).toMatchObject({ type: 'object', required: ['id', 'at'] });
    expect(op.description).toBe('Roles: leads, admins.');
    expect(op.security).toEqual([{ bearer: [] }]);
  });

  it('adds the errors that apply: 400 for input, 401 and 403 for a token, 429 unless exempt', () => {
    expect(Object.keys(doc.paths['/things/{id}'].get.responses)).toEqual(['200', '400', '401', '403', '429']);
    expect(Object.keys(doc.paths['/probe'].get.responses)).toEqual(['200']);
    expect(doc.paths['/probe'].get.security).toEqual([]);
  });

  it('refuses an operationId used twice and a tag without a description', () => {
    expect(() => openApiDocument([getThing, { ...getThing, path: '/other' }], tags)).toThrow(
      'operationId getThing is used twice',
    );
    expect(() => openApiDocument([getThing], [])).toThrow('Tag things has no description');
  });

  it('collects the contracts of mounted handlers, and refuses a handler without one', () => {
    expect(collectRouteContracts([ThingsController]).map((c) => c.operationId)).toEqual(['getThing']);
    expect(() => collectRouteContracts([UndocumentedController])).toThrow(
      'UndocumentedController.get is mounted without a route contract',
    );
  });
});

describe('JsonSchemaCollector', () => {
  it('refuses two different schemas under one id', () => {
    const schemas = new JsonSchemaCollector('#/components/schemas/');
    schemas.convert(z.object({ a: z.string() }).meta({ id: 'SpecTwice' }), 'output');
    expect(() => schemas.convert(z.object({ b: z.string() }).meta({ id: 'SpecTwice' }), 'output')).toThrow(
      'Two different schemas are named SpecTwice',
    );
  });

  it('describes a schema that checks its input in code by the schema it is documented as', () => {
    const picked = z.unknown().transform((v) => v as { kind: 'a' });
    documentAs(picked, z.object({ kind: z.literal('a') }));
    const json = new JsonSchemaCollector('#/components/schemas/').convert(z.object({ item: picked }), 'input');
    expect(json.properties).toEqual({
      item: { type: 'object', properties: { kind: { type: 'string', const: 'a' } }, required: ['kind'] },
    });
  });
});
