// Hand-written types for the generated decoders in otlp-trace.js: only the messages and fields tokenledger reads
// (opentelemetry-proto v1.11.0, protos/). A decoded message leaves unset fields on its prototype (empty bytes,
// "", 0, null); `AnyValue.value` names the member of its oneof that is set, if any.
import type { Reader } from 'protobufjs/minimal.js';

/** A 64-bit integer as protobufjs reads it with the `long` package installed. */
export interface Long {
  low: number;
  high: number;
  unsigned: boolean;
}

export interface AnyValueMessage {
  value?:
    | 'stringValue'
    | 'boolValue'
    | 'intValue'
    | 'doubleValue'
    | 'arrayValue'
    | 'kvlistValue'
    | 'bytesValue'
    | 'stringValueStrindex';
  stringValue: string | null;
  boolValue: boolean | null;
  intValue: Long | number | null;
  doubleValue: number | null;
  arrayValue: object | null;
  kvlistValue: object | null;
  bytesValue: Uint8Array | null;
}

export interface KeyValueMessage {
  key: string;
  value: AnyValueMessage | null;
}

export interface ResourceMessage {
  attributes: KeyValueMessage[];
}

export interface StatusMessage {
  message: string;
  code: number;
}

export interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  name: string;
  startTimeUnixNano: Long | number;
  endTimeUnixNano: Long | number;
  attributes: KeyValueMessage[];
  status: StatusMessage | null;
}

interface Decoder<T> {
  decode(reader: Reader | Uint8Array, length?: number): T;
}

export declare const opentelemetry: {
  proto: {
    resource: { v1: { Resource: Decoder<ResourceMessage> } };
    trace: { v1: { Span: Decoder<SpanMessage> } };
  };
};
