describe('tracer', () => {
  const saved = process.env.AWS_EXECUTION_ENV;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_EXECUTION_ENV;
    else process.env.AWS_EXECUTION_ENV = saved;
    jest.resetModules();
  });

  it('is not loaded outside Lambda', () => {
    delete process.env.AWS_EXECUTION_ENV;
    const { tracer } = jest.requireActual('../../shared/observability');
    expect(tracer()).toBeNull();
  });

  it('is the Powertools tracer in Lambda', () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    const { tracer } = jest.requireActual('../../shared/observability');
    const t = tracer();
    expect(t?.constructor.name).toBe('Tracer');
    expect(tracer()).toBe(t);
  });
});
