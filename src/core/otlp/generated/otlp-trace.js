// GENERATED — do not edit. protobufjs-cli 2.7.1 (pbjs) from the vendored protos (protos/README.md):
//   pbjs -t static-module -w es6 --es6 --no-create --no-encode --no-verify --no-convert --no-delimited \
//     --no-typeurl --no-service --no-comments -p protos -o src/core/otlp/generated/otlp-trace.js \
//     protos/opentelemetry/proto/collector/trace/v1/trace_service.proto
// Decoders only; the types tokenledger reads are declared by hand in otlp-trace.d.ts.
/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from 'protobufjs/minimal.js';

const $Reader = $protobuf.Reader,
  $util = $protobuf.util;
const $Object = $util.global.Object,
  $undefined = $util.global.undefined,
  $Error = $util.global.Error,
  $RangeError = $util.global.RangeError;

const $root = $protobuf.roots['default'] || ($protobuf.roots['default'] = {});

export const opentelemetry = ($root.opentelemetry = (() => {
  const opentelemetry = {};

  opentelemetry.proto = (() => {
    const proto = {};

    proto.collector = (() => {
      const collector = {};

      collector.trace = (() => {
        const trace = {};

        trace.v1 = (() => {
          const v1 = {};

          v1.ExportTraceServiceRequest = (() => {
            const ExportTraceServiceRequest = function (properties) {
              this.resourceSpans = [];
              if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                  if (properties[keys[i]] != null && keys[i] !== '__proto__')
                    this[keys[i]] = properties[keys[i]];
            };

            ExportTraceServiceRequest.prototype.resourceSpans = $util.emptyArray;

            ExportTraceServiceRequest.decode = (reader, length, _end, _depth, _target) => {
              if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
              if (_depth === $undefined) _depth = 0;
              if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
              let end, message;
              if (length === $undefined) end = reader.len;
              else {
                end = reader.pos + length;
                if (end > reader.len) throw $RangeError('index out of range');
                length = reader.len;
                reader.len = end;
              }
              message =
                _target || new $root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest();
              while (reader.pos < end) {
                const start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                  _end = $undefined;
                  break;
                }
                const wireType = tag & 7;
                switch ((tag >>>= 3)) {
                  case 1: {
                    if (wireType !== 2) break;
                    if (!(message.resourceSpans && message.resourceSpans.length)) message.resourceSpans = [];
                    message.resourceSpans.push(
                      $root.opentelemetry.proto.trace.v1.ResourceSpans.decode(
                        reader,
                        reader.size(),
                        $undefined,
                        _depth + 1,
                      ),
                    );
                    continue;
                  }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                  $util.makeProp(message, '$unknowns', false);
                  (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
              }
              if (length !== $undefined) {
                if (reader.pos !== end) throw $RangeError('index out of range');
                reader.len = length;
              }
              if (_end !== $undefined) throw $Error('missing end group');
              return message;
            };

            return ExportTraceServiceRequest;
          })();

          v1.ExportTraceServiceResponse = (() => {
            const ExportTraceServiceResponse = function (properties) {
              if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                  if (properties[keys[i]] != null && keys[i] !== '__proto__')
                    this[keys[i]] = properties[keys[i]];
            };

            ExportTraceServiceResponse.prototype.partialSuccess = null;

            ExportTraceServiceResponse.decode = (reader, length, _end, _depth, _target) => {
              if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
              if (_depth === $undefined) _depth = 0;
              if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
              let end, message, value;
              if (length === $undefined) end = reader.len;
              else {
                end = reader.pos + length;
                if (end > reader.len) throw $RangeError('index out of range');
                length = reader.len;
                reader.len = end;
              }
              message =
                _target || new $root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse();
              while (reader.pos < end) {
                const start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                  _end = $undefined;
                  break;
                }
                const wireType = tag & 7;
                switch ((tag >>>= 3)) {
                  case 1: {
                    if (wireType !== 2) break;
                    message.partialSuccess =
                      $root.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess.decode(
                        reader,
                        reader.size(),
                        $undefined,
                        _depth + 1,
                        message.partialSuccess,
                      );
                    continue;
                  }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                  $util.makeProp(message, '$unknowns', false);
                  (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
              }
              if (length !== $undefined) {
                if (reader.pos !== end) throw $RangeError('index out of range');
                reader.len = length;
              }
              if (_end !== $undefined) throw $Error('missing end group');
              return message;
            };

            return ExportTraceServiceResponse;
          })();

          v1.ExportTracePartialSuccess = (() => {
            const ExportTracePartialSuccess = function (properties) {
              if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                  if (properties[keys[i]] != null && keys[i] !== '__proto__')
                    this[keys[i]] = properties[keys[i]];
            };

            ExportTracePartialSuccess.prototype.rejectedSpans = $util.Long
              ? $util.Long.fromBits(0, 0, false)
              : 0;
            ExportTracePartialSuccess.prototype.errorMessage = '';

            ExportTracePartialSuccess.decode = (reader, length, _end, _depth, _target) => {
              if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
              if (_depth === $undefined) _depth = 0;
              if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
              let end, message, value;
              if (length === $undefined) end = reader.len;
              else {
                end = reader.pos + length;
                if (end > reader.len) throw $RangeError('index out of range');
                length = reader.len;
                reader.len = end;
              }
              message =
                _target || new $root.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess();
              while (reader.pos < end) {
                const start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                  _end = $undefined;
                  break;
                }
                const wireType = tag & 7;
                switch ((tag >>>= 3)) {
                  case 1: {
                    if (wireType !== 0) break;
                    if (typeof (value = reader.int64()) === 'object' ? value.low || value.high : value !== 0)
                      message.rejectedSpans = value;
                    else delete message.rejectedSpans;
                    continue;
                  }
                  case 2: {
                    if (wireType !== 2) break;
                    if ((value = reader.stringVerify()).length) message.errorMessage = value;
                    else delete message.errorMessage;
                    continue;
                  }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                  $util.makeProp(message, '$unknowns', false);
                  (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
              }
              if (length !== $undefined) {
                if (reader.pos !== end) throw $RangeError('index out of range');
                reader.len = length;
              }
              if (_end !== $undefined) throw $Error('missing end group');
              return message;
            };

            return ExportTracePartialSuccess;
          })();

          return v1;
        })();

        return trace;
      })();

      return collector;
    })();

    proto.trace = (() => {
      const trace = {};

      trace.v1 = (() => {
        const v1 = {};

        v1.TracesData = (() => {
          const TracesData = function (properties) {
            this.resourceSpans = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          TracesData.prototype.resourceSpans = $util.emptyArray;

          TracesData.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.trace.v1.TracesData();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if (!(message.resourceSpans && message.resourceSpans.length)) message.resourceSpans = [];
                  message.resourceSpans.push(
                    $root.opentelemetry.proto.trace.v1.ResourceSpans.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return TracesData;
        })();

        v1.ResourceSpans = (() => {
          const ResourceSpans = function (properties) {
            this.scopeSpans = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          ResourceSpans.prototype.resource = null;
          ResourceSpans.prototype.scopeSpans = $util.emptyArray;
          ResourceSpans.prototype.schemaUrl = '';

          ResourceSpans.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.trace.v1.ResourceSpans();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  message.resource = $root.opentelemetry.proto.resource.v1.Resource.decode(
                    reader,
                    reader.size(),
                    $undefined,
                    _depth + 1,
                    message.resource,
                  );
                  continue;
                }
                case 2: {
                  if (wireType !== 2) break;
                  if (!(message.scopeSpans && message.scopeSpans.length)) message.scopeSpans = [];
                  message.scopeSpans.push(
                    $root.opentelemetry.proto.trace.v1.ScopeSpans.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 3: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.schemaUrl = value;
                  else delete message.schemaUrl;
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return ResourceSpans;
        })();

        v1.ScopeSpans = (() => {
          const ScopeSpans = function (properties) {
            this.spans = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          ScopeSpans.prototype.scope = null;
          ScopeSpans.prototype.spans = $util.emptyArray;
          ScopeSpans.prototype.schemaUrl = '';

          ScopeSpans.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.trace.v1.ScopeSpans();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  message.scope = $root.opentelemetry.proto.common.v1.InstrumentationScope.decode(
                    reader,
                    reader.size(),
                    $undefined,
                    _depth + 1,
                    message.scope,
                  );
                  continue;
                }
                case 2: {
                  if (wireType !== 2) break;
                  if (!(message.spans && message.spans.length)) message.spans = [];
                  message.spans.push(
                    $root.opentelemetry.proto.trace.v1.Span.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 3: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.schemaUrl = value;
                  else delete message.schemaUrl;
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return ScopeSpans;
        })();

        v1.Span = (() => {
          const Span = function (properties) {
            this.attributes = [];
            this.events = [];
            this.links = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          Span.prototype.traceId = $util.newBuffer([]);
          Span.prototype.spanId = $util.newBuffer([]);
          Span.prototype.traceState = '';
          Span.prototype.parentSpanId = $util.newBuffer([]);
          Span.prototype.flags = 0;
          Span.prototype.name = '';
          Span.prototype.kind = 0;
          Span.prototype.startTimeUnixNano = $util.Long ? $util.Long.fromBits(0, 0, true) : 0;
          Span.prototype.endTimeUnixNano = $util.Long ? $util.Long.fromBits(0, 0, true) : 0;
          Span.prototype.attributes = $util.emptyArray;
          Span.prototype.droppedAttributesCount = 0;
          Span.prototype.events = $util.emptyArray;
          Span.prototype.droppedEventsCount = 0;
          Span.prototype.links = $util.emptyArray;
          Span.prototype.droppedLinksCount = 0;
          Span.prototype.status = null;

          Span.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.trace.v1.Span();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if ((value = reader.bytes()).length) message.traceId = value;
                  else delete message.traceId;
                  continue;
                }
                case 2: {
                  if (wireType !== 2) break;
                  if ((value = reader.bytes()).length) message.spanId = value;
                  else delete message.spanId;
                  continue;
                }
                case 3: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.traceState = value;
                  else delete message.traceState;
                  continue;
                }
                case 4: {
                  if (wireType !== 2) break;
                  if ((value = reader.bytes()).length) message.parentSpanId = value;
                  else delete message.parentSpanId;
                  continue;
                }
                case 16: {
                  if (wireType !== 5) break;
                  if ((value = reader.fixed32())) message.flags = value;
                  else delete message.flags;
                  continue;
                }
                case 5: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.name = value;
                  else delete message.name;
                  continue;
                }
                case 6: {
                  if (wireType !== 0) break;
                  if ((value = reader.int32())) message.kind = value;
                  else delete message.kind;
                  continue;
                }
                case 7: {
                  if (wireType !== 1) break;
                  if (typeof (value = reader.fixed64()) === 'object' ? value.low || value.high : value !== 0)
                    message.startTimeUnixNano = value;
                  else delete message.startTimeUnixNano;
                  continue;
                }
                case 8: {
                  if (wireType !== 1) break;
                  if (typeof (value = reader.fixed64()) === 'object' ? value.low || value.high : value !== 0)
                    message.endTimeUnixNano = value;
                  else delete message.endTimeUnixNano;
                  continue;
                }
                case 9: {
                  if (wireType !== 2) break;
                  if (!(message.attributes && message.attributes.length)) message.attributes = [];
                  message.attributes.push(
                    $root.opentelemetry.proto.common.v1.KeyValue.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 10: {
                  if (wireType !== 0) break;
                  if ((value = reader.uint32())) message.droppedAttributesCount = value;
                  else delete message.droppedAttributesCount;
                  continue;
                }
                case 11: {
                  if (wireType !== 2) break;
                  if (!(message.events && message.events.length)) message.events = [];
                  message.events.push(
                    $root.opentelemetry.proto.trace.v1.Span.Event.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 12: {
                  if (wireType !== 0) break;
                  if ((value = reader.uint32())) message.droppedEventsCount = value;
                  else delete message.droppedEventsCount;
                  continue;
                }
                case 13: {
                  if (wireType !== 2) break;
                  if (!(message.links && message.links.length)) message.links = [];
                  message.links.push(
                    $root.opentelemetry.proto.trace.v1.Span.Link.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 14: {
                  if (wireType !== 0) break;
                  if ((value = reader.uint32())) message.droppedLinksCount = value;
                  else delete message.droppedLinksCount;
                  continue;
                }
                case 15: {
                  if (wireType !== 2) break;
                  message.status = $root.opentelemetry.proto.trace.v1.Status.decode(
                    reader,
                    reader.size(),
                    $undefined,
                    _depth + 1,
                    message.status,
                  );
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          Span.SpanKind = (() => {
            const valuesById = $Object.create(null),
              values = $Object.create(valuesById);
            values[(valuesById[0] = 'SPAN_KIND_UNSPECIFIED')] = 0;
            values[(valuesById[1] = 'SPAN_KIND_INTERNAL')] = 1;
            values[(valuesById[2] = 'SPAN_KIND_SERVER')] = 2;
            values[(valuesById[3] = 'SPAN_KIND_CLIENT')] = 3;
            values[(valuesById[4] = 'SPAN_KIND_PRODUCER')] = 4;
            values[(valuesById[5] = 'SPAN_KIND_CONSUMER')] = 5;
            return values;
          })();

          Span.Event = (() => {
            const Event = function (properties) {
              this.attributes = [];
              if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                  if (properties[keys[i]] != null && keys[i] !== '__proto__')
                    this[keys[i]] = properties[keys[i]];
            };

            Event.prototype.timeUnixNano = $util.Long ? $util.Long.fromBits(0, 0, true) : 0;
            Event.prototype.name = '';
            Event.prototype.attributes = $util.emptyArray;
            Event.prototype.droppedAttributesCount = 0;

            Event.decode = (reader, length, _end, _depth, _target) => {
              if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
              if (_depth === $undefined) _depth = 0;
              if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
              let end, message, value;
              if (length === $undefined) end = reader.len;
              else {
                end = reader.pos + length;
                if (end > reader.len) throw $RangeError('index out of range');
                length = reader.len;
                reader.len = end;
              }
              message = _target || new $root.opentelemetry.proto.trace.v1.Span.Event();
              while (reader.pos < end) {
                const start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                  _end = $undefined;
                  break;
                }
                const wireType = tag & 7;
                switch ((tag >>>= 3)) {
                  case 1: {
                    if (wireType !== 1) break;
                    if (
                      typeof (value = reader.fixed64()) === 'object' ? value.low || value.high : value !== 0
                    )
                      message.timeUnixNano = value;
                    else delete message.timeUnixNano;
                    continue;
                  }
                  case 2: {
                    if (wireType !== 2) break;
                    if ((value = reader.stringVerify()).length) message.name = value;
                    else delete message.name;
                    continue;
                  }
                  case 3: {
                    if (wireType !== 2) break;
                    if (!(message.attributes && message.attributes.length)) message.attributes = [];
                    message.attributes.push(
                      $root.opentelemetry.proto.common.v1.KeyValue.decode(
                        reader,
                        reader.size(),
                        $undefined,
                        _depth + 1,
                      ),
                    );
                    continue;
                  }
                  case 4: {
                    if (wireType !== 0) break;
                    if ((value = reader.uint32())) message.droppedAttributesCount = value;
                    else delete message.droppedAttributesCount;
                    continue;
                  }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                  $util.makeProp(message, '$unknowns', false);
                  (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
              }
              if (length !== $undefined) {
                if (reader.pos !== end) throw $RangeError('index out of range');
                reader.len = length;
              }
              if (_end !== $undefined) throw $Error('missing end group');
              return message;
            };

            return Event;
          })();

          Span.Link = (() => {
            const Link = function (properties) {
              this.attributes = [];
              if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                  if (properties[keys[i]] != null && keys[i] !== '__proto__')
                    this[keys[i]] = properties[keys[i]];
            };

            Link.prototype.traceId = $util.newBuffer([]);
            Link.prototype.spanId = $util.newBuffer([]);
            Link.prototype.traceState = '';
            Link.prototype.attributes = $util.emptyArray;
            Link.prototype.droppedAttributesCount = 0;
            Link.prototype.flags = 0;

            Link.decode = (reader, length, _end, _depth, _target) => {
              if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
              if (_depth === $undefined) _depth = 0;
              if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
              let end, message, value;
              if (length === $undefined) end = reader.len;
              else {
                end = reader.pos + length;
                if (end > reader.len) throw $RangeError('index out of range');
                length = reader.len;
                reader.len = end;
              }
              message = _target || new $root.opentelemetry.proto.trace.v1.Span.Link();
              while (reader.pos < end) {
                const start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                  _end = $undefined;
                  break;
                }
                const wireType = tag & 7;
                switch ((tag >>>= 3)) {
                  case 1: {
                    if (wireType !== 2) break;
                    if ((value = reader.bytes()).length) message.traceId = value;
                    else delete message.traceId;
                    continue;
                  }
                  case 2: {
                    if (wireType !== 2) break;
                    if ((value = reader.bytes()).length) message.spanId = value;
                    else delete message.spanId;
                    continue;
                  }
                  case 3: {
                    if (wireType !== 2) break;
                    if ((value = reader.stringVerify()).length) message.traceState = value;
                    else delete message.traceState;
                    continue;
                  }
                  case 4: {
                    if (wireType !== 2) break;
                    if (!(message.attributes && message.attributes.length)) message.attributes = [];
                    message.attributes.push(
                      $root.opentelemetry.proto.common.v1.KeyValue.decode(
                        reader,
                        reader.size(),
                        $undefined,
                        _depth + 1,
                      ),
                    );
                    continue;
                  }
                  case 5: {
                    if (wireType !== 0) break;
                    if ((value = reader.uint32())) message.droppedAttributesCount = value;
                    else delete message.droppedAttributesCount;
                    continue;
                  }
                  case 6: {
                    if (wireType !== 5) break;
                    if ((value = reader.fixed32())) message.flags = value;
                    else delete message.flags;
                    continue;
                  }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                  $util.makeProp(message, '$unknowns', false);
                  (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
              }
              if (length !== $undefined) {
                if (reader.pos !== end) throw $RangeError('index out of range');
                reader.len = length;
              }
              if (_end !== $undefined) throw $Error('missing end group');
              return message;
            };

            return Link;
          })();

          return Span;
        })();

        v1.Status = (() => {
          const Status = function (properties) {
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          Status.prototype.message = '';
          Status.prototype.code = 0;

          Status.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.trace.v1.Status();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 2: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.message = value;
                  else delete message.message;
                  continue;
                }
                case 3: {
                  if (wireType !== 0) break;
                  if ((value = reader.int32())) message.code = value;
                  else delete message.code;
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          Status.StatusCode = (() => {
            const valuesById = $Object.create(null),
              values = $Object.create(valuesById);
            values[(valuesById[0] = 'STATUS_CODE_UNSET')] = 0;
            values[(valuesById[1] = 'STATUS_CODE_OK')] = 1;
            values[(valuesById[2] = 'STATUS_CODE_ERROR')] = 2;
            return values;
          })();

          return Status;
        })();

        v1.SpanFlags = (() => {
          const valuesById = $Object.create(null),
            values = $Object.create(valuesById);
          values[(valuesById[0] = 'SPAN_FLAGS_DO_NOT_USE')] = 0;
          values[(valuesById[255] = 'SPAN_FLAGS_TRACE_FLAGS_MASK')] = 255;
          values[(valuesById[256] = 'SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK')] = 256;
          values[(valuesById[512] = 'SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK')] = 512;
          return values;
        })();

        return v1;
      })();

      return trace;
    })();

    proto.common = (() => {
      const common = {};

      common.v1 = (() => {
        const v1 = {};

        v1.AnyValue = (() => {
          const AnyValue = function (properties) {
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          AnyValue.prototype.stringValue = null;
          AnyValue.prototype.boolValue = null;
          AnyValue.prototype.intValue = null;
          AnyValue.prototype.doubleValue = null;
          AnyValue.prototype.arrayValue = null;
          AnyValue.prototype.kvlistValue = null;
          AnyValue.prototype.bytesValue = null;
          AnyValue.prototype.stringValueStrindex = null;

          let $oneOfFields;

          $Object.defineProperty(AnyValue.prototype, 'value', {
            get: $util.oneOfGetter(
              ($oneOfFields = [
                'stringValue',
                'boolValue',
                'intValue',
                'doubleValue',
                'arrayValue',
                'kvlistValue',
                'bytesValue',
                'stringValueStrindex',
              ]),
            ),
            set: $util.oneOfSetter($oneOfFields),
          });

          AnyValue.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.common.v1.AnyValue();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  message.stringValue = reader.stringVerify();
                  message.value = 'stringValue';
                  continue;
                }
                case 2: {
                  if (wireType !== 0) break;
                  message.boolValue = reader.bool();
                  message.value = 'boolValue';
                  continue;
                }
                case 3: {
                  if (wireType !== 0) break;
                  message.intValue = reader.int64();
                  message.value = 'intValue';
                  continue;
                }
                case 4: {
                  if (wireType !== 1) break;
                  message.doubleValue = reader.double();
                  message.value = 'doubleValue';
                  continue;
                }
                case 5: {
                  if (wireType !== 2) break;
                  message.arrayValue = $root.opentelemetry.proto.common.v1.ArrayValue.decode(
                    reader,
                    reader.size(),
                    $undefined,
                    _depth + 1,
                    message.arrayValue,
                  );
                  message.value = 'arrayValue';
                  continue;
                }
                case 6: {
                  if (wireType !== 2) break;
                  message.kvlistValue = $root.opentelemetry.proto.common.v1.KeyValueList.decode(
                    reader,
                    reader.size(),
                    $undefined,
                    _depth + 1,
                    message.kvlistValue,
                  );
                  message.value = 'kvlistValue';
                  continue;
                }
                case 7: {
                  if (wireType !== 2) break;
                  message.bytesValue = reader.bytes();
                  message.value = 'bytesValue';
                  continue;
                }
                case 8: {
                  if (wireType !== 0) break;
                  message.stringValueStrindex = reader.int32();
                  message.value = 'stringValueStrindex';
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return AnyValue;
        })();

        v1.ArrayValue = (() => {
          const ArrayValue = function (properties) {
            this.values = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          ArrayValue.prototype.values = $util.emptyArray;

          ArrayValue.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.common.v1.ArrayValue();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if (!(message.values && message.values.length)) message.values = [];
                  message.values.push(
                    $root.opentelemetry.proto.common.v1.AnyValue.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return ArrayValue;
        })();

        v1.KeyValueList = (() => {
          const KeyValueList = function (properties) {
            this.values = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          KeyValueList.prototype.values = $util.emptyArray;

          KeyValueList.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.common.v1.KeyValueList();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if (!(message.values && message.values.length)) message.values = [];
                  message.values.push(
                    $root.opentelemetry.proto.common.v1.KeyValue.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return KeyValueList;
        })();

        v1.KeyValue = (() => {
          const KeyValue = function (properties) {
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          KeyValue.prototype.key = '';
          KeyValue.prototype.value = null;
          KeyValue.prototype.keyStrindex = 0;

          KeyValue.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.common.v1.KeyValue();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.key = value;
                  else delete message.key;
                  continue;
                }
                case 2: {
                  if (wireType !== 2) break;
                  message.value = $root.opentelemetry.proto.common.v1.AnyValue.decode(
                    reader,
                    reader.size(),
                    $undefined,
                    _depth + 1,
                    message.value,
                  );
                  continue;
                }
                case 3: {
                  if (wireType !== 0) break;
                  if ((value = reader.int32())) message.keyStrindex = value;
                  else delete message.keyStrindex;
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return KeyValue;
        })();

        v1.InstrumentationScope = (() => {
          const InstrumentationScope = function (properties) {
            this.attributes = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          InstrumentationScope.prototype.name = '';
          InstrumentationScope.prototype.version = '';
          InstrumentationScope.prototype.attributes = $util.emptyArray;
          InstrumentationScope.prototype.droppedAttributesCount = 0;

          InstrumentationScope.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.common.v1.InstrumentationScope();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.name = value;
                  else delete message.name;
                  continue;
                }
                case 2: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.version = value;
                  else delete message.version;
                  continue;
                }
                case 3: {
                  if (wireType !== 2) break;
                  if (!(message.attributes && message.attributes.length)) message.attributes = [];
                  message.attributes.push(
                    $root.opentelemetry.proto.common.v1.KeyValue.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 4: {
                  if (wireType !== 0) break;
                  if ((value = reader.uint32())) message.droppedAttributesCount = value;
                  else delete message.droppedAttributesCount;
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return InstrumentationScope;
        })();

        v1.EntityRef = (() => {
          const EntityRef = function (properties) {
            this.idKeys = [];
            this.descriptionKeys = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          EntityRef.prototype.schemaUrl = '';
          EntityRef.prototype.type = '';
          EntityRef.prototype.idKeys = $util.emptyArray;
          EntityRef.prototype.descriptionKeys = $util.emptyArray;

          EntityRef.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.common.v1.EntityRef();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.schemaUrl = value;
                  else delete message.schemaUrl;
                  continue;
                }
                case 2: {
                  if (wireType !== 2) break;
                  if ((value = reader.stringVerify()).length) message.type = value;
                  else delete message.type;
                  continue;
                }
                case 3: {
                  if (wireType !== 2) break;
                  if (!(message.idKeys && message.idKeys.length)) message.idKeys = [];
                  message.idKeys.push(reader.stringVerify());
                  continue;
                }
                case 4: {
                  if (wireType !== 2) break;
                  if (!(message.descriptionKeys && message.descriptionKeys.length))
                    message.descriptionKeys = [];
                  message.descriptionKeys.push(reader.stringVerify());
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return EntityRef;
        })();

        return v1;
      })();

      return common;
    })();

    proto.resource = (() => {
      const resource = {};

      resource.v1 = (() => {
        const v1 = {};

        v1.Resource = (() => {
          const Resource = function (properties) {
            this.attributes = [];
            this.entityRefs = [];
            if (properties)
              for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== '__proto__')
                  this[keys[i]] = properties[keys[i]];
          };

          Resource.prototype.attributes = $util.emptyArray;
          Resource.prototype.droppedAttributesCount = 0;
          Resource.prototype.entityRefs = $util.emptyArray;

          Resource.decode = (reader, length, _end, _depth, _target) => {
            if (!(reader instanceof $Reader)) reader = $Reader.create(reader);
            if (_depth === $undefined) _depth = 0;
            if (_depth > $Reader.recursionLimit) throw $Error('max depth exceeded');
            let end, message, value;
            if (length === $undefined) end = reader.len;
            else {
              end = reader.pos + length;
              if (end > reader.len) throw $RangeError('index out of range');
              length = reader.len;
              reader.len = end;
            }
            message = _target || new $root.opentelemetry.proto.resource.v1.Resource();
            while (reader.pos < end) {
              const start = reader.pos;
              let tag = reader.tag();
              if (tag === _end) {
                _end = $undefined;
                break;
              }
              const wireType = tag & 7;
              switch ((tag >>>= 3)) {
                case 1: {
                  if (wireType !== 2) break;
                  if (!(message.attributes && message.attributes.length)) message.attributes = [];
                  message.attributes.push(
                    $root.opentelemetry.proto.common.v1.KeyValue.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
                case 2: {
                  if (wireType !== 0) break;
                  if ((value = reader.uint32())) message.droppedAttributesCount = value;
                  else delete message.droppedAttributesCount;
                  continue;
                }
                case 3: {
                  if (wireType !== 2) break;
                  if (!(message.entityRefs && message.entityRefs.length)) message.entityRefs = [];
                  message.entityRefs.push(
                    $root.opentelemetry.proto.common.v1.EntityRef.decode(
                      reader,
                      reader.size(),
                      $undefined,
                      _depth + 1,
                    ),
                  );
                  continue;
                }
              }
              reader.skipType(wireType, _depth, tag);
              if (!reader.discardUnknown) {
                $util.makeProp(message, '$unknowns', false);
                (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
              }
            }
            if (length !== $undefined) {
              if (reader.pos !== end) throw $RangeError('index out of range');
              reader.len = length;
            }
            if (_end !== $undefined) throw $Error('missing end group');
            return message;
          };

          return Resource;
        })();

        return v1;
      })();

      return resource;
    })();

    return proto;
  })();

  return opentelemetry;
})());

export { $root as default };
