import type { AppContext } from '../../shared/app/context';
import { createThread, patchThread, postUpdate, type WriteResult } from '../../shared/app/threads';
import { freshContext } from '../support/context';
import { recordWriteCapacity, sumCapacity } from '../support/capacity-recorder';
import { RecordingPublisher } from '../support/recording-publisher';

const editor = { principal: { name: 'desk', role: 'editor' as const } };
const render = (r: WriteResult) => ({ statusCode: 200, headers: {}, body: JSON.stringify(r) });
const SUMMARY = 'x'.repeat(400);

let ctx: AppContext;
let recorder: ReturnType<typeof recordWriteCapacity>;

beforeAll(async () => {
  ctx = await freshContext({}, { publisher: new RecordingPublisher() });
  recorder = recordWriteCapacity(ctx.db);
});
afterAll(() => recorder.detach());

describe('index budget', () => {
  it('prints', async () => {
    await createThread(ctx, { id: 't1', scenario: 's1', kind: 'other', title: 't1', status: 'proposed', summary: SUMMARY }, editor).then(render);
    const create = recorder.take();
    await postUpdate(ctx, 't1', { status: null, summary: SUMMARY }, editor).then(render);
    const note = recorder.take();
    await postUpdate(ctx, 't1', { status: 'active', summary: SUMMARY }, editor).then(render);
    const status = recorder.take();
    await patchThread(ctx, 't1', { title: 'renamed' }, editor).then(render);
    const patch = recorder.take();
    console.log(JSON.stringify({ patch, sums: [create, note, status].map(sumCapacity) }, null, 1));
  });
});
