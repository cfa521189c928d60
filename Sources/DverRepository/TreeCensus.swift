import DverCore
import DverStore
import Foundation

/// How much a tree expands to: entries (files, symlinks and directories) and file bytes.
///
/// Trees and chunk lists share nodes, so a few kilobytes of hostile objects can describe
/// billions of files (a "node bomb"). Every walk that expands a tree first takes its census,
/// which visits each distinct node once, and refuses a tree above the limits — so a bomb fails
/// at once with a named error instead of filling memory or running for hours.
public struct TreeCensus: Sendable, Equatable {
    public var entries: UInt64 = 0
    public var bytes: UInt64 = 0

    /// At most this many entries in one expanded tree (`DVER_MAX_TREE_ENTRIES`, default 50
    /// million: each costs ~100–200 bytes of memory while a checkout or diff holds it).
    public static let maximumEntries: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["DVER_MAX_TREE_ENTRIES"], let value = UInt64(text), value > 0 {
            return value
        }
        return 50_000_000
    }()
    /// At most 2^62 bytes (4 EiB) beneath one tree, so no sum of sizes can overflow.
    public static let maximumBytes: UInt64 = 1 << 62

    /// Adds `other`, refusing totals above the limits.
    /// - Throws: `RepositoryError.treeTooLarge`.
    mutating func add(_ other: TreeCensus, tree: ObjectID) throws {
        let (entries, entriesOverflow) = self.entries.addingReportingOverflow(other.entries)
        let (bytes, bytesOverflow) = self.bytes.addingReportingOverflow(other.bytes)
        guard !entriesOverflow, entries <= Self.maximumEntries else {
            throw RepositoryError.treeTooLarge(tree: tree, reason: "it expands to more than \(Self.maximumEntries) entries (set DVER_MAX_TREE_ENTRIES to allow more)")
        }
        guard !bytesOverflow, bytes <= Self.maximumBytes else {
            throw RepositoryError.treeTooLarge(tree: tree, reason: "its files add up to more than 2^62 bytes")
        }
        self.entries = entries
        self.bytes = bytes
    }
}

extension TreeReader {
    /// The census of the tree `id`, visiting each distinct node once. Checks on the way that
    /// every directory entry's size is the total of the files beneath it.
    /// - Throws: `RepositoryError.treeTooLarge`, `StoreError.corruptObject`, store errors.
    public func census(_ id: ObjectID) throws -> TreeCensus {
        var memo = [ObjectID: TreeCensus]()
        return try census(directory: id, depth: 0, memo: &memo)
    }

    private func census(directory id: ObjectID, depth: Int, memo: inout [ObjectID: TreeCensus]) throws -> TreeCensus {
        if let known = memo[id] { return known }
        guard depth < RepoPath.maximumDepth else {
            throw StoreError.corruptObject(id, reason: "directories nested more than \(RepoPath.maximumDepth) deep")
        }
        var total = TreeCensus()
        for entry in try entries(id) {
            var item = TreeCensus(entries: 1, bytes: entry.size)
            if entry.kind == .directory {
                let beneath = try census(directory: entry.id, depth: depth + 1, memo: &memo)
                guard beneath.bytes == entry.size else {
                    throw StoreError.corruptObject(id, reason: "directory '\(entry.name)' says it holds \(entry.size) bytes, its files hold \(beneath.bytes)")
                }
                try item.add(TreeCensus(entries: beneath.entries, bytes: 0), tree: id)
            }
            try total.add(item, tree: id)
        }
        memo[id] = total
        return total
    }
}
