import { Metrics } from './metrics';

describe('Metrics', () => {
  it('labels HTTP requests from fixed sets: known methods, route patterns or "unmatched", status classes', async () => {
    const metrics = new Metrics();
    metrics.httpServed('GET', '/api/v1/incidents/:id', 404, 0.02);
    metrics.httpServed('PROPFIND', undefined, 404, 0.001);
    metrics.httpServed('POST', '/api/v1/auth/login', 200, 0.3);
    const text = await metrics.render();
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/incidents\/:id",status_class="4xx"\} 1$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="OTHER",route="unmatched",status_class="4xx"\} 1$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{le="0.5",method="POST",route="\/api\/v1\/auth\/login",status_class="2xx"\} 1$/m,
    );
  });

  it('reads the pool at each scrape', async () => {
    const metrics = new Metrics();
    const pool = { totalCount: 7, idleCount: 3, waitingCount: 2 };
    metrics.watchPool(pool);
    let text = await metrics.render();
    expect(text).toMatch(/^oreguard_pg_pool_clients\{state="idle"\} 3$/m);
    expect(text).toMatch(/^oreguard_pg_pool_clients\{state="busy"\} 4$/m);
    expect(text).toMatch(/^oreguard_pg_pool_waiting_requests 2$/m);
    pool.waitingCount = 0;
    text = await metrics.render();
    expect(text).toMatch(/^oreguard_pg_pool_waiting_requests 0$/m);
  });

  it('names the build and exports Node’s metrics under their standard names, without the gauges named like counters', async () => {
    const text = await new Metrics({ commit: 'abc1234' }).render();
    expect(text).toMatch(/^oreguard_build_info\{version="\d+\.\d+\.\d+",commit="abc1234",node="[\d.]+"\} 1$/m);
    expect(await new Metrics().render()).toMatch(/^oreguard_build_info\{version="[^"]+",commit="unknown",/m);
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE nodejs_heap_size_used_bytes gauge$/m);
    expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
    expect(text).not.toMatch(/^# TYPE \S+_total gauge$/m);
  });
});
