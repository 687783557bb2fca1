import { untilIngesting } from './ingest-ready';
import { TestGateway } from './mqtt-gateway';
import { startInProcess } from './oreguard';
import { restClient } from './rest-client';
import { createTestContext, type TestContext } from './test-context';

type Running = Awaited<ReturnType<typeof startInProcess>>;

/** A test file's OreGuard and context, for its tests (once its beforeAll has run). */
export interface FileOreGuard {
  readonly ctx: TestContext;
  readonly oreguard: Running;
  /** A gateway publishing into this context; closed after the file's tests. */
  gateway(siteId: string, gatewayId?: string): Promise<TestGateway>;
  /** A REST call to this OreGuard (rest-client.ts). */
  rest: ReturnType<typeof restClient>;
}

/**
 * The usual frame of an end-to-end test file: a context of its own (database, Redis prefix,
 * MQTT topic prefix) and one OreGuard in the test process with `env` on top of the context's,
 * started before the file's tests and, with the gateways handed out, stopped and removed after
 * them. `untilIngesting`: also wait until a published event is stored before the tests start.
 *
 * Call it first in the describe block: Jest runs beforeAll hooks in the order they are declared,
 * so the file's own set-up runs with OreGuard up. afterAll hooks run in that order too, so by
 * the time the file's own runs, OreGuard is stopped: it should only close what the file opened.
 */
export function oreGuardForFile(
  label: string,
  options: { env?: Record<string, string>; untilIngesting?: boolean } = {},
): FileOreGuard {
  let ctx: TestContext | undefined;
  let oreguard: Running | undefined;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    ctx = await createTestContext(label);
    oreguard = await startInProcess(ctx.env(options.env));
    if (options.untilIngesting) await untilIngesting(ctx.topicPrefix, ctx.db);
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close().catch(() => undefined);
    await oreguard?.close();
    await ctx?.dispose();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('OreGuard is not started yet: use it in a test or a beforeAll after oreGuardForFile');
    return value;
  };
  return {
    get ctx() {
      return started(ctx);
    },
    get oreguard() {
      return started(oreguard);
    },
    async gateway(siteId, gatewayId = 'gw-1') {
      const gateway = await TestGateway.connect(started(ctx).topicPrefix, siteId, gatewayId);
      gateways.push(gateway);
      return gateway;
    },
    rest: (token, method, path, body) => restClient(started(oreguard).baseUrl)(token, method, path, body),
  };
}
