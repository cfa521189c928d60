import DverCore
import DverRepository
import DverStore

/// The commit a pfs input reads in one job (nil commit: the branch has no commits yet).
public struct ResolvedInput: Sendable, Codable, Equatable {
    public var name: String
    public var repo: String
    public var branch: String
    public var commit: String?

    public init(name: String, repo: String, branch: String, commit: String?) {
        self.name = name
        self.repo = repo
        self.branch = branch
        self.commit = commit
    }
}

/// Turns an input spec and the input commits into datums (docs/PIPELINES.md, "Datums").
/// Reads only tree objects, and only as deep as each glob can match.
public struct DatumEnumerator: Sendable {
    let store: ObjectStore
    /// Root tree of each input branch (by `PFSInput.source`); nil when it has no commit.
    let roots: [String: ObjectID?]

    public init(store: ObjectStore, roots: [String: ObjectID?]) {
        self.store = store
        self.roots = roots
    }

    /// The datums' inputs, each list ordered as the spec's pfs inputs.
    public func enumerate(_ input: PipelineInput) throws -> [[DatumInput]] {
        switch input {
        case .pfs(let pfs):
            return try matches(pfs).map { [$0] }
        case .union(let inputs):
            return try inputs.flatMap { try enumerate($0) }
        case .cross(let inputs):
            var result: [[DatumInput]] = [[]]
            for child in inputs {
                let datums = try enumerate(child)
                result = result.flatMap { prefix in datums.map { prefix + $0 } }
            }
            return result
        case .join(let inputs):
            return try join(Self.pfsChildren(inputs))
        case .group(let inputs):
            return try group(Self.pfsChildren(inputs))
        case .cron(let cron):
            return try matches(cron.pfs).map { [$0] }
        }
    }

    private static func pfsChildren(_ inputs: [PipelineInput]) -> [PFSInput] {
        inputs.compactMap { if case .pfs(let pfs) = $0 { return pfs } else { return nil } }
    }

    /// Pachyderm's join: for each join key, every combination of the inputs' matches. A key
    /// every input has gives the combinations whole (the inner join); a key some inputs lack
    /// gives them cut down to the `outer_join` inputs, if any remain (an outer input's datum
    /// runs alone when nothing matches it). An empty `join_on` makes every key "": a cross.
    private func join(_ inputs: [PFSInput]) throws -> [[DatumInput]] {
        let groups = try inputs.map { Dictionary(grouping: try matches($0), by: { $0.joinKey ?? "" }) }
        let keys = Set(groups.flatMap(\.keys)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var result = [[DatumInput]]()
        for key in keys {
            let complete = groups.allSatisfy { $0[key] != nil }
            let kept = inputs.indices.filter { groups[$0][key] != nil && (complete || inputs[$0].outerJoin) }
            guard !kept.isEmpty else { continue }
            var combinations: [[DatumInput]] = [[]]
            for index in kept {
                let members = groups[index][key] ?? []
                combinations = combinations.flatMap { prefix in members.map { prefix + [$0] } }
            }
            result += combinations
        }
        return result
    }

    /// Pachyderm's group: one datum per `group_by` value, holding every file of every input
    /// whose value it is (files without the captures share the value "").
    private func group(_ inputs: [PFSInput]) throws -> [[DatumInput]] {
        var byKey = [String: [DatumInput]]()
        for input in inputs {
            for match in try matches(input) { byKey[match.groupKey ?? "", default: []].append(match) }
        }
        return byKey.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { byKey[$0] ?? [] }
    }

    /// Entries of one input commit matched by its glob, in path order.
    public func matches(_ input: PFSInput) throws -> [DatumInput] {
        guard let root = roots[input.source] ?? nil else { return [] }
        let glob = try GlobPattern(input.glob)
        var result = [DatumInput]()
        func consider(_ path: String, _ entry: TreeEntry) {
            guard let captures = glob.match(path) else { return }
            result.append(DatumInput(name: input.name, repo: input.repo, path: path, kind: entry.kind, id: entry.id,
                                     size: entry.size, chunked: entry.chunked,
                                     joinKey: input.joinOn.map { Self.joinKey($0, captures: captures) },
                                     groupKey: input.groupBy.map { Self.joinKey($0, captures: captures) }))
            result[result.count - 1].emptyFiles = input.emptyFiles
        }
        if input.glob == "/" {
            consider("/", TreeEntry(name: "", kind: .directory, size: 0, id: root))
            return result
        }
        _ = try TreeReader(store: store).census(root)  // a node bomb fails here, before the walk
        try walk(root, prefix: "", depth: 1, limit: glob.maximumDepth, visit: consider)
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private func walk(_ tree: ObjectID, prefix: String, depth: Int, limit: Int?, visit: (String, TreeEntry) -> Void) throws {
        if let limit, depth > limit { return }
        guard depth <= RepoPath.maximumDepth else { throw StoreError.corruptObject(tree, reason: "directories nested too deeply") }
        for entry in try TreeReader(store: store).entries(tree) {
            let path = prefix + "/" + entry.name
            visit(path, entry)
            if entry.kind == .directory { try walk(entry.id, prefix: path, depth: depth + 1, limit: limit, visit: visit) }
        }
    }

    /// "$1-$2" with the captures substituted.
    static func joinKey(_ template: String, captures: [String]) -> String {
        var result = ""
        var characters = template[...]
        while let character = characters.popFirst() {
            if character == "$", let digit = characters.first?.wholeNumberValue, digit >= 1 {
                characters = characters.dropFirst()
                result += digit <= captures.count ? captures[digit - 1] : ""
            } else {
                result.append(character)
            }
        }
        return result
    }
}
