import DverAccess
import DverCore
import DverStore

/// One directory's entries, decoded once, with an index by name.
struct DirectoryListing: Sendable {
    var entries: [TreeEntry]
    var positions: [String: Int]

    init(_ entries: [TreeEntry]) {
        self.entries = entries
        positions = Dictionary(entries.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    func entry(named name: Substring) -> TreeEntry? {
        positions[String(name)].map { entries[$0] }
    }

    /// Roughly what the listing holds in memory (entry, name and dictionary slot).
    var cost: Int { entries.reduce(0) { $0 + 160 + $1.name.utf8.count * 2 } }
}

/// A snapshot seen as a file system: absolute paths ("/", "/a/b.csv") resolved to tree entries
/// through directory listings decoded once and kept (bounded, least recently used first out;
/// keyed by tree id, so identical directories share one listing).
final class SnapshotView: Sendable {
    let snapshot: Snapshot
    private let listings: LeastRecentlyUsed<ObjectID, DirectoryListing>

    /// - Parameter listingBudget: bytes of decoded listings kept (default 512 MiB, about three
    ///   million entries).
    init(snapshot: Snapshot, listingBudget: Int = 512 << 20) {
        self.snapshot = snapshot
        listings = LeastRecentlyUsed(budget: listingBudget)
    }

    var root: TreeEntry { snapshot.rootEntry }

    /// The most entries of one directory a listing holds (a larger directory, or a node bomb,
    /// fails its `readdir` with EIO rather than filling memory; its files can still be opened).
    static let listingLimit = Snapshot.listingBudget

    /// The entry at an absolute path, or nil when nothing is there. Each component is found in
    /// its directory's listing when that is decoded already, else by descending only the tree
    /// nodes that can hold it (a lookup needs no listing).
    /// - Throws: store errors (a tree that is missing or damaged).
    func entry(at path: String) throws -> TreeEntry? {
        var current = root
        for component in path.utf8.split(separator: UInt8(ascii: "/")) {
            guard current.kind == .directory else { return nil }
            let name = Substring(component)
            let next: TreeEntry?
            if let listing = listings.value(for: current.id) {
                next = listing.entry(named: name)
            } else {
                next = try snapshot.lookup(String(name), in: current.id)
            }
            guard let next else { return nil }
            current = next
        }
        return current
    }

    /// The entries of a directory (its tree id), decoded on first use.
    /// - Throws: store errors; `StoreError.corruptObject` for names out of order;
    ///   `AccessError.invalidPath` past `listingLimit` entries.
    func listing(of directory: ObjectID) throws -> DirectoryListing {
        if let known = listings.value(for: directory) { return known }
        let listing = DirectoryListing(try snapshot.entries(of: directory, limit: Self.listingLimit))
        listings.insert(listing, for: directory, cost: listing.cost)
        return listing
    }
}
