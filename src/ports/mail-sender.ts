/** A finished MIME message on its way out: SES in AWS, an `.eml` file in `<lake>/outbox/` locally. */
export interface OutgoingMail {
  /** The report id the message carries (`governance-2026-11-26_2026-11-27`): one email per id. */
  reportId: string;
  /** The envelope sender; also the `From:` header of `raw`. */
  from: string;
  /** The envelope recipients; also the `To:` header of `raw`. */
  to: readonly string[];
  /** The whole RFC 5322 message, headers and MIME parts. */
  raw: Uint8Array;
}

/** Sends one message, whole, or rejects; never sends part of one. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}
