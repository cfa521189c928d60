import DverCore
import DverSystem

/// The objects one write session has stored, so that each is written once however many threads
/// put it.
///
/// Ids in packs still being written are kept whole. Once a pack is sealed its ids are dropped
/// and only their first 8 bytes are kept, each with the number of the pack that holds it:
/// ~12–24 bytes an object instead of ~43–85 in a set of whole ids (at 5 million files that set
/// was a fifth of `add`'s memory). A fingerprint only says where to look, never that an object
/// is stored: the pack's index is searched first, and every sealed pack when two ids share their
/// first 8 bytes, so neither chance nor a crafted file can make the session skip an object.
final class SessionObjects: Sendable {
    private struct State {
        /// Claimed objects whose packs are not sealed yet.
        var open = Set<ObjectID>()
        /// First 8 bytes of each id in a sealed pack → the pack's position in `sealed`.
        var fingerprints = [UInt64: UInt32]()
        var sealed = [PackIndex]()
        var claimed = 0
    }

    private let state = Locked(State())

    /// Objects claimed so far.
    var count: Int { state.withLock { $0.claimed } }

    /// Claims `id` for the caller to write.
    /// - Returns: false when the session already wrote or claimed it.
    func claim(_ id: ObjectID) -> Bool {
        state.withLock { state in
            // Until a pack fills up (most sessions) there is nothing to hash a fingerprint for.
            if !state.sealed.isEmpty, let pack = state.fingerprints[id.w0] {
                if state.sealed[Int(pack)].find(id) != nil { return false }
                if state.sealed.contains(where: { $0.find(id) != nil }) { return false }
            }
            guard state.open.insert(id).inserted else { return false }
            state.claimed += 1
            return true
        }
    }

    /// Records a sealed pack of this session: its objects are found through its index from now
    /// on. Every object in it must have been claimed.
    func sealed(_ index: PackIndex) {
        state.withLock { state in
            let number = UInt32(truncatingIfNeeded: state.sealed.count)
            state.sealed.append(index)
            for position in 0..<index.count {
                let id = index.id(at: position)
                state.open.remove(id)
                state.fingerprints[id.w0] = number
            }
        }
    }
}
