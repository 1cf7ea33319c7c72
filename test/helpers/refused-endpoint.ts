/**
 * An endpoint on loopback where nothing listens, so a connection is refused at once: port 9 (discard), below the
 * ephemeral range the tests' own servers get from `listen(0)`. A port taken from `listen(0)` and closed again is
 * not safe: the other test worker's next emulator may be given it, and the client then reaches a live server.
 */
export const REFUSED_ENDPOINT = 'http://127.0.0.1:9';
