import * as http from 'node:http';
import { MetricsError } from '../../src/obs/errors';
import { METRICS } from '../../src/obs/metric-names';
import { createMetricsServer } from '../../src/obs/metrics-server';
import { PrometheusRegistry } from '../../src/obs/registry';
import { parsePrometheusText } from './prom-text-parser';

function request(url: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createMetricsServer', () => {
  it('serves GET /metrics in the exposition format, live', async () => {
    const registry = new PrometheusRegistry();
    const proxyRequests = registry.counter(METRICS.proxyRequests);
    proxyRequests.inc({ proxy: 'socks5://127.0.0.1:1080' });
    const server = await createMetricsServer(registry, 0);
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
      let res = await request(server.url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      let parsed = parsePrometheusText(res.body);
      expect(parsed.get('proxy_requests_total')!.samples[0]!.value).toBe(1);

      proxyRequests.inc({ proxy: 'socks5://127.0.0.1:1080' }, 4);
      res = await request(server.url + '?x=1');
      parsed = parsePrometheusText(res.body);
      expect(parsed.get('proxy_requests_total')!.samples[0]!.value).toBe(5);

      expect((await request(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
      expect((await request(server.url, 'POST')).status).toBe(405);
      const head = await request(server.url, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    } finally {
      await server.close();
    }
    await expect(request(server.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes even while a scraper holds a keep-alive connection', async () => {
    const registry = new PrometheusRegistry();
    const server = await createMetricsServer(registry, 0);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get(server.url, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    agent.destroy();
  });

  it('fails with a typed error when the port is taken', async () => {
    const registry = new PrometheusRegistry();
    const first = await createMetricsServer(registry, 0);
    try {
      await expect(createMetricsServer(registry, first.port)).rejects.toBeInstanceOf(MetricsError);
      await expect(createMetricsServer(registry, first.port)).rejects.toMatchObject({ code: 'ERR_METRICS_LISTEN' });
    } finally {
      await first.close();
    }
  });

  it('answers 500 when collection throws, and keeps serving', async () => {
    let fail = true;
    const server = await createMetricsServer(
      {
        toPrometheus: () => {
          if (fail) throw new Error('boom');
          return '# TYPE up gauge\nup 1\n';
        },
      },
      0,
    );
    try {
      expect((await request(server.url)).status).toBe(500);
      fail = false;
      const res = await request(server.url);
      expect(res.status).toBe(200);
      expect(parsePrometheusText(res.body).get('up')!.samples[0]!.value).toBe(1);
    } finally {
      await server.close();
    }
  });
});
