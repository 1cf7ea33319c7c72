import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { MailSender, OutgoingMail } from '../../ports/mail-sender.ts';

export interface SesMailSenderOptions {
  /** The SES configuration set to send through (event destinations, dedicated IPs), if any. */
  configurationSetName?: string;
}

/** A send SES refused or that did not reach SES; `cause` is the SDK's error. */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  constructor(
    message: string,
    readonly reportId: string,
    /** SES's error code (`MessageRejected`, `TooManyRequestsException`, …) or the SDK's error name. */
    readonly code: string,
    /** `client` for a request SES refuses as it is (do not retry as is), `server` for SES's side, or unknown. */
    readonly fault: 'client' | 'server' | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The tag SES carries with each message (into its sending events): the report id, in SES's tag alphabet. */
export const REPORT_ID_TAG = 'report_id';

/**
 * Sends finished MIME messages with SES v2 `SendEmail` (raw content): the envelope sender and recipients go as
 * `FromEmailAddress` and `Destination.ToAddresses`, the report id as the `report_id` message tag. The SDK
 * client's retry strategy retries throttling and 5xx answers; any error left is thrown as a MailSendError
 * naming the report.
 */
export class SesMailSender implements MailSender {
  constructor(
    private readonly ses: SESv2Client,
    private readonly options: SesMailSenderOptions = {},
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    let messageId: string | undefined;
    try {
      const out = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from,
          Destination: { ToAddresses: [...mail.to] },
          Content: { Raw: { Data: mail.raw } },
          EmailTags: [{ Name: REPORT_ID_TAG, Value: tagValue(mail.reportId) }],
          ...(this.options.configurationSetName
            ? { ConfigurationSetName: this.options.configurationSetName }
            : {}),
        }),
      );
      messageId = out.MessageId;
    } catch (err) {
      const e = err as { name?: string; message?: string; $fault?: 'client' | 'server' };
      const code = e?.name ?? 'Error';
      throw new MailSendError(
        `SES did not send the email for report ${mail.reportId}: ${code}: ${e?.message ?? String(err)}`,
        mail.reportId,
        code,
        e?.$fault,
        { cause: err },
      );
    }
    if (!messageId) {
      throw new MailSendError(
        `SES answered SendEmail for report ${mail.reportId} without a MessageId`,
        mail.reportId,
        'MissingMessageId',
        'server',
      );
    }
    return { messageId };
  }
}

/** A value in SES's message tag alphabet ([A-Za-z0-9_-], 1 to 256 characters): anything else becomes `_`. */
export function tagValue(text: string): string {
  const value = text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);
  return value === '' ? '_' : value;
}
