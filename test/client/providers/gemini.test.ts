import { describe, expect, it } from 'vitest';
import {
  fromGemini,
  geminiChunks,
  type MeterResult,
  meterStream,
} from '../../../packages/client/src/providers/index.ts';

/** Input a caller's types would refuse, as it may still arrive at run time. */
const garbage = (value: unknown) => value as never;

describe('fromGemini', () => {
  it('adds the thinking tokens, which candidatesTokenCount leaves out, to the output', () => {
    // Prepare: a generateContent result of a thinking model (totalTokenCount = 9 + 29 + 282)
    const response = {
      candidates: [
        {
          content: {
            parts: [
              { text: 'There are **3** "r"s in strawberry.', thoughtSignature: 'EvsFCvgFAb4+9vtgYAdO' },
            ],
            role: 'model',
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 9,
        candidatesTokenCount: 29,
        totalTokenCount: 320,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }],
        thoughtsTokenCount: 282,
      },
      modelVersion: 'gemini-3-pro-preview',
      responseId: 'YH6LaZT7ENmPxN8P-r2J8Aw',
    };

    // Act
    const fields = fromGemini(response);

    // Assess
    expect(fields).toEqual({
      provider: 'gcp.gemini',
      model: 'gemini-3-pro-preview',
      inputTokens: 9,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 29 + 282,
      reasoningTokens: 282,
    });
    expect(fields.inputTokens + fields.outputTokens).toBe(response.usageMetadata.totalTokenCount);
  });

  it('keeps cached content inside the prompt count, adds tool-use prompt tokens, and reads the tier', () => {
    // Prepare: a result that read a context cache and ran a tool, on the Gemini API's flex tier
    const response = {
      candidates: [{ content: { parts: [{ text: 'Summary…' }], role: 'model' }, finishReason: 'STOP' }],
      usageMetadata: {
        promptTokenCount: 40210,
        cachedContentTokenCount: 32768,
        candidatesTokenCount: 812,
        toolUsePromptTokenCount: 1530,
        thoughtsTokenCount: 1024,
        totalTokenCount: 40210 + 812 + 1530 + 1024,
        cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 32768 }],
        serviceTier: 'flex',
      },
      modelVersion: 'gemini-2.5-flash',
    };

    // Act
    const fields = fromGemini(response);

    // Assess
    expect(fields).toEqual({
      provider: 'gcp.gemini',
      model: 'gemini-2.5-flash',
      inputTokens: 40210 + 1530,
      cacheReadTokens: 32768,
      cacheWriteTokens: 0,
      outputTokens: 812 + 1024,
      reasoningTokens: 1024,
      serviceTier: 'flex',
    });
  });

  it("maps Vertex AI's trafficType, and leaves out tiers it has no name for", () => {
    // Prepare
    const withUsage = (usage: Record<string, unknown>) => ({
      modelVersion: 'gemini-2.5-pro',
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, ...usage },
    });

    // Act
    const tiers = [
      { trafficType: 'ON_DEMAND' },
      { trafficType: 'ON_DEMAND_PRIORITY' },
      { trafficType: 'ON_DEMAND_FLEX' },
      { trafficType: 'PROVISIONED_THROUGHPUT' },
      { serviceTier: 'unspecified' },
      { serviceTier: 'priority' },
      { trafficType: 'constructor' },
    ].map((usage) => fromGemini(withUsage(usage)).serviceTier);

    // Assess
    expect(tiers).toEqual(['standard', 'priority', 'flex', undefined, undefined, 'priority', undefined]);
  });

  it('gives 0 tokens and an empty model for a result without usage or modelVersion', () => {
    // Act
    const fields = fromGemini({ candidates: [] });

    // Assess
    expect(fields).toEqual({
      provider: 'gcp.gemini',
      model: '',
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('never throws on garbage', () => {
    // Prepare
    const inputs: unknown[] = [
      undefined,
      null,
      7,
      'text',
      [],
      { usageMetadata: 'lots' },
      { usageMetadata: { promptTokenCount: '9', thoughtsTokenCount: null, trafficType: 42 } },
      {
        get usageMetadata() {
          throw new Error('getter failed');
        },
      },
    ];

    // Act
    const all = inputs.map((input) => fromGemini(garbage(input)));

    // Assess
    for (const fields of all) {
      expect(fields).toMatchObject({ provider: 'gcp.gemini', inputTokens: 0, outputTokens: 0 });
    }
  });
});

describe('geminiChunks', () => {
  // generateContentStream chunks: each carries the cumulative usage so far.
  const chunk = (
    parts: { text: string; thought?: boolean; thoughtSignature?: string }[],
    candidates: number,
    thoughts: number,
  ) => ({
    candidates: [{ content: { parts, role: 'model' }, index: 0 }],
    usageMetadata: {
      promptTokenCount: 9,
      candidatesTokenCount: candidates,
      totalTokenCount: 9 + candidates + thoughts,
      thoughtsTokenCount: thoughts,
    },
    modelVersion: 'gemini-3-pro-preview',
    responseId: 'dX6LadKVC7SZ28oPr9yJoQs',
  });
  const chunks = [
    chunk([{ text: '**Counting letters**', thought: true }], 0, 120),
    chunk([{ text: 'There are **3** "r"s in' }], 10, 256),
    chunk([{ text: ' strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.' }], 29, 256),
    // The last chunk carries the candidate's finishReason: the request finished.
    {
      ...chunk([{ text: '', thoughtSignature: 'Eo0HCooHAb4+9vut' }], 29, 256),
      candidates: [
        {
          content: { parts: [{ text: '', thoughtSignature: 'Eo0HCooHAb4+9vut' }], role: 'model' },
          finishReason: 'STOP',
          index: 0,
        },
      ],
    },
  ];

  async function meter(stopAfter?: number): Promise<MeterResult> {
    let done: MeterResult | undefined;
    const stream = meterStream(
      (async function* () {
        yield* chunks;
      })(),
      { ...geminiChunks, onDone: (r) => (done = r) },
    );
    let n = 0;
    for await (const _ of stream) if (++n === stopAfter) break;
    if (!done) throw new Error('onDone was not called');
    return done;
  }

  it('reads the last cumulative usage, thoughts added to the output', async () => {
    // Act
    const result = await meter();

    // Assess
    expect(result).toMatchObject({
      status: 'ok',
      provider: 'gcp.gemini',
      model: 'gemini-3-pro-preview',
      inputTokens: 9,
      outputTokens: 29 + 256,
      reasoningTokens: 256,
    });
  });

  it('counts chunks with answer text as delivered, not thought summaries or empty parts', async () => {
    // Act: the consumer stops after the second chunk (a thought summary, then answer text)
    const result = await meter(2);

    // Assess
    expect(result).toMatchObject({ status: 'cancelled', deliveredOutputTokens: 1, outputTokens: 10 + 256 });
  });

  it('never throws on chunks it cannot read', () => {
    // Act
    const delivered = [undefined, null, {}, { candidates: 'x' }, { candidates: [null, { content: 7 }] }].map(
      (c) => geminiChunks.deliveredTokens(garbage(c)),
    );
    const usage = geminiChunks.usage(garbage({ usageMetadata: [] }));

    // Assess
    expect(delivered).toEqual([0, 0, 0, 0, 0]);
    expect(usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
  });
});
