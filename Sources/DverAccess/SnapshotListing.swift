import DverCore
import DverStore

/// What an S3 ListObjectsV2 request asks of one snapshot.
public struct ListRequest: Sendable {
    /// Only keys starting with this ("" for all).
    public var prefix: String
    /// Keys whose part after `prefix` holds the delimiter are rolled up into common prefixes.
    public var delimiter: String?
    /// Only keys after this one, in byte order.
    public var startAfter: String?
    /// Resume after a previous page's last item (a key or a common prefix).
    public var resumeAfter: String?
    /// Keys plus common prefixes on one page (S3: 1 to 1,000).
    public var maxKeys: Int

    public init(prefix: String = "", delimiter: String? = nil, startAfter: String? = nil, resumeAfter: String? = nil, maxKeys: Int = 1000) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.startAfter = startAfter
        self.resumeAfter = resumeAfter
        self.maxKeys = maxKeys
    }
}

/// One page of a listing, in the byte order of keys (S3's order).
public struct ListPage: Sendable {
    public enum Item: Sendable {
        case object(key: String, entry: TreeEntry)
        case commonPrefix(String)

        /// The key or the prefix: what a continuation resumes after.
        public var name: String {
            switch self {
            case .object(let key, _): return key
            case .commonPrefix(let prefix): return prefix
            }
        }
    }

    public var items: [Item] = []
    /// More items follow; resume after the last one.
    public var truncated = false
}

extension Snapshot {
    /// The most tree entries one listing request may examine: a hostile tree of shared empty
    /// directories cannot make a request walk without end.
    public static let listingBudget = 2_000_000

    /// Lists the snapshot's files as S3 keys (paths; symlinks are listed as files, directories
    /// never), honouring prefix, delimiter, start-after and a resume point. Only directories that
    /// can hold matching keys are read; with delimiter "/" a directory below the prefix is
    /// rolled up without being read.
    /// - Throws: `AccessError.invalidPath` when the listing would examine more than
    ///   `listingBudget` entries; store errors.
    public func list(_ request: ListRequest) throws -> ListPage {
        var page = ListPage()
        guard request.maxKeys > 0 else { return page }
        let prefix = request.prefix
        let after = [request.startAfter, request.resumeAfter].compactMap { $0 }.max { $0.precedesInByteOrder($1) } ?? ""
        // A page that ended on a common prefix resumes past every key it rolled up.
        let skipped = request.resumeAfter.flatMap { resume in
            request.delimiter.flatMap { !$0.isEmpty && resume.hasSuffix($0) ? resume : nil }
        }
        var budget = Self.listingBudget

        /// False once the page is full.
        func emit(_ item: ListPage.Item) -> Bool {
            if case .commonPrefix(let name) = item, case .commonPrefix(let last)? = page.items.last, last == name { return true }
            guard page.items.count < request.maxKeys else {
                page.truncated = true
                return false
            }
            page.items.append(item)
            return true
        }

        /// Whether some key starting with `start` (a directory's path and "/") can be listed.
        func mayHold(_ start: String) -> Bool {
            guard start.hasPrefix(prefix) || prefix.hasPrefix(start) else { return false }
            if let skipped, start.hasPrefix(skipped) { return false }
            // Every key below `start` sorts before `after` unless `after` starts with it.
            if !after.isEmpty, start.precedesInByteOrder(after), !after.hasPrefix(start) { return false }
            return true
        }

        /// A directory being listed: its entries sorted as their keys sort ("name/" for
        /// directories), and how far the listing has got.
        struct Frame {
            var items: [(key: String, entry: TreeEntry)]
            var next = 0
        }
        func frame(_ id: ObjectID, path: String) throws -> Frame {
            let entries = try self.entries(of: id, limit: max(0, budget))
            budget -= entries.count
            guard budget >= 0 else {
                throw AccessError.invalidPath(prefix, reason: "the listing examines more than \(Self.listingBudget) entries; list with a longer prefix or a delimiter")
            }
            return Frame(items: entries.map { ($0.kind == .directory ? path + $0.name + "/" : path + $0.name, $0) }
                .sorted { $0.key.precedesInByteOrder($1.key) })
        }

        /// The common prefix `key` (or every key below it, for a directory) rolls up into.
        func rolledUp(_ key: String) -> String? {
            guard let delimiter = request.delimiter, !delimiter.isEmpty, key.hasPrefix(prefix),
                  let range = key.utf8.dropFirst(prefix.utf8.count).firstRange(of: delimiter.utf8) else { return nil }
            return String(decoding: key.utf8[..<range.upperBound], as: UTF8.self)
        }

        var stack = [try frame(commit.tree, path: "")]
        while !stack.isEmpty {
            let position = stack.count - 1
            guard stack[position].next < stack[position].items.count else {
                stack.removeLast()
                continue
            }
            let (key, entry) = stack[position].items[stack[position].next]
            stack[position].next += 1
            if entry.kind == .directory {
                guard mayHold(key) else { continue }
                if let rolled = rolledUp(key) {
                    // Every key below rolls up into one prefix: the directory is not read.
                    guard emit(.commonPrefix(rolled)) else { break }
                    continue
                }
                guard stack.count < RepoPath.maximumDepth else {
                    throw StoreError.corruptObject(entry.id, reason: "directories nested more than \(RepoPath.maximumDepth) deep")
                }
                stack.append(try frame(entry.id, path: key))
                continue
            }
            guard key.hasPrefix(prefix), after.isEmpty || after.precedesInByteOrder(key) else { continue }
            if let skipped, key.hasPrefix(skipped) { continue }
            guard emit(rolledUp(key).map { .commonPrefix($0) } ?? .object(key: key, entry: entry)) else { break }
        }
        return page
    }
}
