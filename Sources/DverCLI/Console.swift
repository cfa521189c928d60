/// DverCLI: the `dver` command line. Parses arguments (swift-argument-parser), calls
/// DverRepository, and is the only layer that prints or chooses exit codes.
import DverCore
import DverRepository
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where command output goes: stdout for results, stderr for notices, errors and progress.
struct Console: Sendable {
    let json: Bool
    let quiet: Bool

    static var standardErrorIsTerminal: Bool { isatty(2) == 1 }

    /// A line of human output (suppressed by -q and by --json).
    func line(_ text: String = "") {
        guard !quiet, !json else { return }
        Console.writeOut(text + "\n")
    }

    /// Output that is the command's data: printed even with -q.
    func data(_ text: String) {
        Console.writeOut(text + "\n")
    }

    /// Prints an Encodable value as JSON (for --json).
    func emit<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Console.writeOut(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }

    func notice(_ text: String) {
        guard !quiet else { return }
        Console.writeError(text + "\n")
    }

    /// Progress for long operations: a bar on a terminal, nothing otherwise.
    var progress: any ProgressSink { progress(itemNoun: "files") }

    /// Progress whose item counts are called `itemNoun` ("objects" for transfers).
    func progress(itemNoun: String) -> any ProgressSink {
        if quiet || !Console.standardErrorIsTerminal { return NoticeOnlyProgress(quiet: quiet) }
        return TerminalProgress(itemNoun: itemNoun)
    }

    static func writeOut(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// No bars, but notices (such as waiting for a lock) still reach stderr.
struct NoticeOnlyProgress: ProgressSink {
    let quiet: Bool
    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?) {}
    func advance(bytes: UInt64, items: Int) {}
    func finish() {}
    func notice(_ message: String) { if !quiet { Console.writeError("dver: \(message)\n") } }
}

/// Human-readable sizes and times.
enum Format {
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func date(_ nanoseconds: Int64, offsetMinutes: Int16) -> String {
        let date = Date(timeIntervalSince1970: Double(nanoseconds) / 1e9)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: Int(offsetMinutes) * 60)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
        return formatter.string(from: date)
    }

    static func isoDate(_ nanoseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9))
    }

    static func ratio(_ value: Double) -> String { String(format: "%.2fx", value) }

    /// "1 file", "2 files": a count with its noun in the singular or plural.
    static func count(_ count: Int, _ noun: String, plural: String? = nil) -> String {
        "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
    }
}
