import DverRepository

/// A `REPO[@REV][:PATH]` argument that may also be spelled as a workspace path: `data/raw`
/// is repo `raw`, `data/raw/sub` is `raw:sub`, `data/raw@main~1` is `raw@main~1` (paths are
/// taken relative to the current directory, like every path argument).
enum RevisionArgument {
    static func parse(_ text: String, project: Project) -> RevisionSpec {
        let spec = RevisionSpec(parsing: text)
        if (try? project.repo(named: spec.repo)) != nil { return spec }
        guard let relative = try? project.relativePath(spec.repo, workingDirectory: workingDirectory),
              let record = try? project.repos().first(where: { $0.mount == relative || relative.hasPrefix($0.mount + "/") }) else {
            return spec
        }
        var result = spec
        result.repo = record.name
        let inside = relative == record.mount ? "" : String(relative.dropFirst(record.mount.count + 1))
        let joined = [inside, spec.path ?? ""].filter { !$0.isEmpty }.joined(separator: "/")
        result.path = joined.isEmpty ? nil : joined
        return result
    }
}
