import DverRepository
import Foundation
import Synchronization

/// A progress bar on stderr, redrawn at most ten times a second.
final class TerminalProgress: ProgressSink {
    private struct State {
        var label = ""
        var totalBytes: UInt64?
        var totalItems: Int?
        var bytes: UInt64 = 0
        var items = 0
        /// Overrides the sink's noun for this phase.
        var itemNoun: String?
        var started = Date()
        var lastDraw = Date.distantPast
        var drawn = false
    }

    private let state = Mutex(State())
    /// What the item counts count ("files", or "objects" for transfers).
    private let itemNoun: String

    init(itemNoun: String = "files") { self.itemNoun = itemNoun }

    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?) {
        start(label, totalBytes: totalBytes, totalItems: totalItems, itemNoun: nil)
    }

    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?, itemNoun: String?) {
        state.withLock { $0 = State(label: label, totalBytes: totalBytes, totalItems: totalItems, itemNoun: itemNoun) }
    }

    func advance(bytes: UInt64, items: Int) {
        let line: String? = state.withLock { state in
            state.bytes += bytes
            state.items += items
            let now = Date()
            guard now.timeIntervalSince(state.lastDraw) >= 0.1, now.timeIntervalSince(state.started) >= 0.3 else { return nil }
            state.lastDraw = now
            state.drawn = true
            return Self.render(state, now: now, itemNoun: state.itemNoun ?? itemNoun)
        }
        if let line { Console.writeError("\r\u{1B}[2K" + line) }
    }

    func finish() {
        let drawn = state.withLock { state in
            defer { state.drawn = false }
            return state.drawn
        }
        if drawn { Console.writeError("\r\u{1B}[2K") }
    }

    func notice(_ message: String) {
        Console.writeError("\r\u{1B}[2Kdver: \(message)\n")
    }

    private static func render(_ state: State, now: Date, itemNoun: String) -> String {
        let elapsed = max(now.timeIntervalSince(state.started), 0.001)
        var parts = [state.label]
        if state.totalBytes == nil, state.bytes == 0, let items = state.totalItems {
            // A phase that counts no bytes (pipeline datums): items, their rate and the time.
            parts.append("\(state.items)/\(items) \(itemNoun)")
            parts.append(String(format: "%.1f/s", Double(state.items) / elapsed))
            parts.append(String(format: "%.0f s", elapsed))
            return parts.joined(separator: "  ")
        }
        if let total = state.totalBytes, total > 0 {
            let fraction = min(1, Double(state.bytes) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]")
            parts.append(String(format: "%3.0f%%", fraction * 100))
            parts.append("\(Format.bytes(state.bytes))/\(Format.bytes(total))")
        } else {
            parts.append(Format.bytes(state.bytes))
        }
        parts.append("\(Format.bytes(UInt64(Double(state.bytes) / elapsed)))/s")
        if let items = state.totalItems { parts.append("\(state.items)/\(items) \(itemNoun)") }
        return parts.joined(separator: "  ")
    }
}
