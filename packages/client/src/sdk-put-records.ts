import type { KinesisLike, PutRecordsFunction, PutRecordsInput } from './emitter-options.ts';

/**
 * PutRecords through an AWS SDK v3 `KinesisClient`. The SDK's command class is imported on the first send,
 * not when the client loads: the SDK is an optional peer, there only for apps that pass a `kinesisClient`.
 */
export function sdkPutRecords(client: KinesisLike | undefined): PutRecordsFunction {
  let command: Promise<new (input: PutRecordsInput) => { input: PutRecordsInput }> | undefined;
  return async (input, options) => {
    if (client === undefined) {
      throw configError(
        'createEmitter needs a kinesisClient (an AWS SDK v3 KinesisClient) or a putRecords function',
      );
    }
    command ??= import('@aws-sdk/client-kinesis').then(
      // The SDK types every field optional; the client always sets them. A bundler that code-splits the SDK
      // (CommonJS) may hand back only its exports object as `default`: take the class from either.
      (sdk) => {
        const PutRecordsCommand = sdk.PutRecordsCommand ?? sdk.default?.PutRecordsCommand;
        return PutRecordsCommand as unknown as new (
          input: PutRecordsInput,
        ) => { input: PutRecordsInput };
      },
      (err: unknown) => {
        command = undefined;
        throw configError(
          `kinesisClient was given but @aws-sdk/client-kinesis could not be loaded (${(err as Error)?.message}); install it, or pass putRecords`,
        );
      },
    );
    const PutRecordsCommand = await command;
    return client.send(new PutRecordsCommand(input), options);
  };
}

/** A mistake in the client's setup: retrying cannot fix it, so the batch is dropped at once (sender.ts). */
const configError = (message: string) =>
  Object.assign(new Error(message), { name: 'TokenledgerConfigError' });
