import { UnavailableError } from '../../shared/domain/errors';
import { buffered } from '../../shared/http/stream-body';
import type { HttpResult } from '../../shared/http/response';

/** What a Lambda behind API Gateway returns for a streamed answer (an export): the whole body, or 413. */
async function* chunks(parts: string[], read: string[]): AsyncGenerator<string> {
  for (const p of parts) {
    read.push(p);
    yield p;
  }
}

const streamed = (stream: AsyncIterable<string>): HttpResult => ({
  statusCode: 200,
  headers: {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': 'attachment; filename="x.csv"',
  },
  body: '',
  stream,
});

describe('buffered', () => {
  it('reads a stream within the cap into one base64 body, headers kept', async () => {
    // Prepare
    const read: string[] = [];
    // Act
    const result = await buffered(streamed(chunks(['a,b\r\n', 'é,"x"\r\n'], read)), 64);
    // Assess
    expect(result.stream).toBeUndefined();
    expect(result.isBase64Encoded).toBe(true);
    expect(Buffer.from(result.body, 'base64').toString('utf8')).toBe('a,b\r\né,"x"\r\n');
    expect(result.headers['Content-Disposition']).toBe('attachment; filename="x.csv"');
  });

  it('answers 413 export_too_large once the bytes pass the cap, and reads no further', async () => {
    // Prepare: 3 chunks of 10 bytes against a cap of 15
    const read: string[] = [];
    // Act
    const result = await buffered(streamed(chunks(['0123456789', '0123456789', '0123456789'], read)), 15);
    // Assess
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body).code).toBe('export_too_large');
    expect(read).toHaveLength(2);
  });

  it('answers the problem of a stream that fails while it is read, not a failed invocation', async () => {
    // Prepare
    async function* failing(): AsyncGenerator<string> {
      yield 'a,b\r\n';
      throw new UnavailableError('The database did not answer in time.');
    }
    // Act
    const result = await buffered(streamed(failing()), 64);
    // Assess
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).code).toBe('unavailable');
  });

  it('leaves an answer without a stream as it is', async () => {
    // Prepare
    const plain: HttpResult = { statusCode: 200, headers: {}, body: '{}' };
    // Act / Assess
    expect(await buffered(plain, 1)).toBe(plain);
  });
});
