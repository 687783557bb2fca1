import { Writable } from 'node:stream';
import { JsonLogger, requestContext } from './json-logger';

function capture(level: 'debug' | 'info' | 'warn' | 'error') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: new JsonLogger(level, sink), lines };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, time, context and message', () => {
    const { logger, lines } = capture('info');
    logger.log('Loaded 18 rules from rules', 'LoadedRules');
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        context: 'LoadedRules',
        msg: 'Loaded 18 rules from rules',
      },
    ]);
  });

  it('keeps the ids a caller passes as fields, out of the message text', () => {
    const { logger, lines } = capture('info');
    logger.warn({ msg: 'Opened incident', incidentId: 'i-1', siteId: 'kolwezi-1' }, 'CorrelatorService');
    expect(lines[0]).toMatchObject({
      level: 'warn',
      context: 'CorrelatorService',
      msg: 'Opened incident',
      incidentId: 'i-1',
      siteId: 'kolwezi-1',
    });
  });

  it('drops lines under LOG_LEVEL, and logs Nest start-up chatter at debug', () => {
    const { logger, lines } = capture('info');
    logger.debug('details', 'X');
    logger.log('Mapped {/api/v1/incidents, GET} route', 'RouterExplorer');
    logger.log('CoreModule dependencies initialized', 'InstanceLoader');
    expect(lines).toEqual([]);
    const debug = capture('debug');
    debug.logger.log('Mapped {/api/v1/incidents, GET} route', 'RouterExplorer');
    expect(debug.lines[0]).toMatchObject({ level: 'debug', context: 'RouterExplorer' });
    const errors = capture('error');
    errors.logger.warn('a warning', 'X');
    errors.logger.fatal('the end', 'X');
    expect(errors.lines).toEqual([expect.objectContaining({ level: 'error', msg: 'the end' })]);
  });

  it('adds the request id to every line logged while a request is served, and an error its stack', () => {
    const { logger, lines } = capture('info');
    requestContext.run({ reqId: 'req-7' }, () => logger.error(new Error('boom'), 'HttpErrorFilter'));
    logger.log('outside', 'X');
    expect(lines[0]).toMatchObject({
      level: 'error',
      reqId: 'req-7',
      msg: 'boom',
      stack: expect.stringContaining('Error: boom'),
    });
    expect(lines[1]).not.toHaveProperty('reqId');
  });
});
