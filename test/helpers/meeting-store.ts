import type { LakeStore } from '../../src/ports/lake-store.ts';

/**
 * A lake store whose `putNew` calls for a key wait until `parties` of them have arrived, then all go to the real
 * store at once. Not a fake of the store — every write is the real one — but an injected interleaving: two
 * concurrent deliveries otherwise rarely reach the same key at the same moment, and the race is what is tested.
 */
export function meetingAtPutNew(store: LakeStore, parties = 2): LakeStore {
  const waiting = new Map<string, { arrived: number; release: Promise<void>; open: () => void }>();
  return {
    putNew: async (key, body, contentType) => {
      let meeting = waiting.get(key);
      if (!meeting) {
        let open = () => {};
        const release = new Promise<void>((resolve) => {
          open = resolve;
        });
        meeting = { arrived: 0, release, open };
        waiting.set(key, meeting);
      }
      meeting.arrived++;
      if (meeting.arrived === parties) meeting.open();
      await meeting.release;
      return store.putNew(key, body, contentType);
    },
    put: (key, body, contentType) => store.put(key, body, contentType),
    list: (prefix) => store.list(prefix),
    get: (key) => store.get(key),
    remove: (keys) => store.remove(keys),
  };
}
