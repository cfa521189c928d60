import DverSystem

/// A thread-safe in-memory cache bounded by a total cost (bytes, entries): inserting past the
/// budget drops the least recently used values. Lookups and inserts are O(1): the recency
/// order is a doubly linked list threaded through an array of slots.
final class LeastRecentlyUsed<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Slot {
        var key: Key
        var value: Value
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    private struct State {
        var slots: [Slot?] = []
        var free: [Int] = []
        var positions: [Key: Int] = [:]
        var newest: Int?
        var oldest: Int?
        var cost = 0
    }

    let budget: Int
    private let state = Locked(State())

    init(budget: Int) { self.budget = budget }

    /// The value for `key`, which becomes the most recently used.
    func value(for key: Key) -> Value? {
        state.withLock { state in
            guard let position = state.positions[key], let slot = state.slots[position] else { return nil }
            Self.moveToFront(position, in: &state)
            return slot.value
        }
    }

    /// Stores a value (replacing one under the same key), then drops the oldest values while the
    /// total cost exceeds the budget. A value costing more than the whole budget is not kept.
    func insert(_ value: Value, for key: Key, cost: Int) {
        guard cost <= budget else { return }
        state.withLock { state in
            if let position = state.positions[key] { Self.remove(position, from: &state) }
            let slot = Slot(key: key, value: value, cost: cost, newer: nil, older: state.newest)
            let position: Int
            if let reused = state.free.popLast() {
                position = reused
                state.slots[position] = slot
            } else {
                position = state.slots.count
                state.slots.append(slot)
            }
            if let newest = state.newest { state.slots[newest]?.newer = position }
            state.newest = position
            if state.oldest == nil { state.oldest = position }
            state.positions[key] = position
            state.cost += cost
            while state.cost > budget, let oldest = state.oldest { Self.remove(oldest, from: &state) }
        }
    }

    /// Removes and returns the value for `key`.
    func removeValue(for key: Key) -> Value? {
        state.withLock { state in
            guard let position = state.positions[key], let slot = state.slots[position] else { return nil }
            Self.remove(position, from: &state)
            return slot.value
        }
    }

    var totalCost: Int { state.withLock { $0.cost } }
    var count: Int { state.withLock { $0.positions.count } }

    private static func moveToFront(_ position: Int, in state: inout State) {
        guard state.newest != position, let slot = state.slots[position] else { return }
        unlink(slot, in: &state)
        state.slots[position]?.newer = nil
        state.slots[position]?.older = state.newest
        if let newest = state.newest { state.slots[newest]?.newer = position }
        state.newest = position
        if state.oldest == nil { state.oldest = position }
    }

    private static func remove(_ position: Int, from state: inout State) {
        guard let slot = state.slots[position] else { return }
        unlink(slot, in: &state)
        state.slots[position] = nil
        state.free.append(position)
        state.positions[slot.key] = nil
        state.cost -= slot.cost
    }

    /// Takes a slot out of the recency list (its neighbours point past it).
    private static func unlink(_ slot: Slot, in state: inout State) {
        if let newer = slot.newer { state.slots[newer]?.older = slot.older } else { state.newest = slot.older }
        if let older = slot.older { state.slots[older]?.newer = slot.newer } else { state.oldest = slot.newer }
    }
}
