import DverSystem

/// A block of lines between dver's markers inside a user's text file (`.gitignore`,
/// `.gitattributes`). dver rewrites only the block; everything else stays byte for byte.
public struct ManagedBlock: Sendable {
    public static let beginMarker = "# >>> dver >>>"
    public static let endMarker = "# <<< dver <<<"

    /// The file the block lives in.
    public let path: String
    /// What the block is for, written on the begin marker line.
    public let purpose: String

    public init(path: String, purpose: String) {
        self.path = path
        self.purpose = purpose
    }

    /// `existing` with the block holding `lines` (replaced in place, or appended at the end).
    public static func applied(_ lines: [String], to existing: String, purpose: String) -> String {
        let block = ["\(beginMarker) \(purpose)"] + lines + [endMarker]
        var all = split(existing)
        if let range = range(in: all) {
            all.replaceSubrange(range, with: block)
        } else {
            all.append(contentsOf: block)
        }
        return all.joined(separator: "\n") + "\n"
    }

    /// `existing` without the block (nil when the block was all there was).
    public static func removed(from existing: String) -> String? {
        var all = split(existing)
        guard let range = range(in: all) else { return existing }
        all.removeSubrange(range)
        if all.allSatisfy(\.isEmpty) { return nil }
        return all.joined(separator: "\n") + "\n"
    }

    /// `existing` without the block's lines, whatever is left (possibly nothing).
    static func withoutBlock(_ existing: String) -> String {
        var all = split(existing)
        guard let range = range(in: all) else { return existing }
        all.removeSubrange(range)
        return all.isEmpty ? "" : all.joined(separator: "\n") + "\n"
    }

    /// The lines inside the block, nil when there is none.
    public static func contents(of text: String) -> [String]? {
        let all = split(text)
        guard let range = range(in: all) else { return nil }
        return Array(all[(range.lowerBound + 1)..<(range.upperBound - 1)])
    }

    /// Writes the block with `lines` into the file (creating it); false when it already held them.
    /// - Throws: system errors.
    @discardableResult
    public func write(_ lines: [String]) throws -> Bool {
        let existing = FileSystem.exists(path) ? try FileSystem.readText(path) : ""
        let updated = Self.applied(lines, to: existing, purpose: purpose)
        guard updated != existing else { return false }
        try FileSystem.writeAtomically(path, text: updated)
        return true
    }

    /// Removes the block's lines; deletes the file when nothing else was in it, unless
    /// `keepFile` (a file git tracks must stay, if only empty).
    /// - Throws: system errors.
    public func remove(keepFile: Bool = false) throws {
        guard FileSystem.exists(path) else { return }
        let existing = try FileSystem.readText(path)
        if !keepFile, Self.removed(from: existing) == nil {
            try FileSystem.remove(path)
            return
        }
        let rest = Self.withoutBlock(existing)
        if rest != existing { try FileSystem.writeAtomically(path, text: rest) }
    }

    private static func split(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") || text.isEmpty { lines.removeLast() }
        return lines
    }

    private static func range(in lines: [String]) -> Range<Int>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(beginMarker) }),
              let end = lines[start...].firstIndex(where: { $0 == endMarker }) else { return nil }
        return start..<(end + 1)
    }
}
