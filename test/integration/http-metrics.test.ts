// /metrics counts every HTTP answer by route pattern and status, with a duration histogram per route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase } from '../helpers/harness.ts';
import { assertProblem, signUp } from '../helpers/people.ts';

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describeEachDatabase('HTTP metrics', (h) => {
  test('answers are counted by route pattern and status, and timed per route', async () => {
    const me = await signUp(h(), 'Counted');
    const check = (body: object) => h().request({ method: 'POST', url: '/api/access/check', token: me.token, body });
    for (let i = 0; i < 3; i++)
      assert.equal((await check({ deviceId: 'dev_nothere', channel: 1, permission: 'live_view' })).statusCode, 200);
    assertProblem(await check({ deviceId: 'dev_nothere', channel: 1, permission: 'teleport' }), 400);
    assertProblem(await h().request({ method: 'GET', url: '/api/no/such/thing/dev_secret123' }), 404);

    const res = await h().request({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    const text = res.body;
    const route = 'method="POST",route="/api/access/check"';
    assert.equal(sample(text, `keyholder_http_requests_total{${route},status="200"}`), 3);
    assert.equal(sample(text, `keyholder_http_requests_total{${route},status="400"}`), 1);
    assert.equal(sample(text, `keyholder_http_request_duration_seconds_count{${route}}`), 4);
    assert.equal(sample(text, `keyholder_http_request_duration_seconds_bucket{le="+Inf",${route}}`), 4);
    assert.ok(sample(text, `keyholder_http_request_duration_seconds_sum{${route}}`)! > 0);
    // Buckets are cumulative and end at the count.
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith('keyholder_http_request_duration_seconds_bucket{') && l.includes(route))
      .map((l) => Number(l.split(' ')[1]));
    assert.equal(buckets.length, 13);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]! >= buckets[i - 1]!, 'buckets are cumulative');
    assert.match(text, /# TYPE keyholder_http_request_duration_seconds histogram/);
    // Unmatched addresses are counted without their raw URL (no ids or tokens in label values).
    assert.ok(!text.includes('dev_secret123'), 'a raw URL reached the metrics');
    assert.match(text, /keyholder_http_requests_total\{method="GET",route="[^"]*",status="404"\} 1/);

    // A second scrape adds only what happened since.
    await check({ deviceId: 'dev_nothere', channel: 1, permission: 'live_view' });
    const again = (await h().request({ method: 'GET', url: '/metrics' })).body;
    assert.equal(sample(again, `keyholder_http_requests_total{${route},status="200"}`), 4);
    assert.equal(sample(again, `keyholder_http_request_duration_seconds_count{${route}}`), 5);
  });
});
