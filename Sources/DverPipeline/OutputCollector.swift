import DverCore
import DverRepository
import DverStore
import DverSystem

/// Stores what a datum wrote under its output directory and lists it. Nothing is dropped or
/// altered on the way: an output a repo cannot hold fails the datum, naming it.
struct OutputCollector: Sendable {
    let writer: ObjectWriter
    /// The datum's input files, for output symlinks pointing at them.
    var inputs: DatumInputFiles?

    /// Stores every file under `directory` (the datum's /pfs/out). The walk lstat's each entry,
    /// so a symlink is stored as a symlink and never followed, and descends at most
    /// `RepoPath.maximumDepth` levels. The datum's processes have all ended by now (every
    /// runtime kills its sandbox's processes), so nothing changes under the walk.
    /// - Throws: `PipelineError.invalidOutput` for a name that is not valid UTF-8 (shown
    ///   escaped, `caf\xe9.csv`) or otherwise invalid, a path deeper than
    ///   `RepoPath.maximumDepth`, a symlink that neither stays inside /pfs/out nor points at a
    ///   file or directory of an input (stored as its content, from the store), and
    ///   anything that is not a file, directory or symlink (sockets, fifos, devices).
    func collect(_ directory: String) throws -> [DatumResult.OutputFile] {
        var items = [IngestItem]()
        var paths = [String]()
        var linked = [DatumResult.OutputFile]()
        try visit(directory, relative: "", items: &items, paths: &paths, linked: &linked)
        let refs = try Ingester(writer: writer, progress: SilentProgress()).ingest(items)
        return (zip(paths, refs).map { DatumResult.OutputFile(path: $0, ref: $1) } + linked)
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Collects the entries of `path` (at `relative` under /pfs/out); recursion is bounded
    /// because every entry's path is validated, depth included, before it is descended into.
    private func visit(_ path: String, relative: String, items: inout [IngestItem], paths: inout [String],
                       linked: inout [DatumResult.OutputFile]) throws {
        for entry in try FileSystem.listRaw(path) {
            let shown = "/pfs/out/" + RepoPath.join(relative, entry.escapedName)
            guard let component = entry.name else {
                throw PipelineError.invalidOutput(path: shown, problem: "the name is not valid UTF-8")
            }
            let name = RepoPath.join(relative, component)
            do throws(CoreError) {
                try RepoPath.validate(name)
            } catch {
                guard case .invalidPath(_, let reason) = error else { throw error }
                throw PipelineError.invalidOutput(path: shown, problem: reason)
            }
            let full = "\(path)/\(component)"
            let status = try FileSystem.linkStatus(full)
            switch status.kind {
            case .directory:
                try visit(full, relative: name, items: &items, paths: &paths, linked: &linked)
                continue
            case .regular:
                break
            case .symlink:
                if let files = try linkedInputFiles(full, name: name, shown: shown, outDirectory: directoryRoot(path, relative)) {
                    // A link into /pfs/<input> (Pachyderm's shuffle idiom): stored as what it points at.
                    for file in files {
                        let target = file.path.isEmpty ? name : RepoPath.join(name, file.path)
                        do throws(CoreError) { try RepoPath.validate(target) } catch {
                            throw PipelineError.invalidOutput(path: "/pfs/out/" + target, problem: "\(error)")
                        }
                        linked.append(DatumResult.OutputFile(path: target, ref: file.ref))
                    }
                    continue
                }
            case .other:
                throw PipelineError.invalidOutput(path: shown, problem: "it is neither a file, a directory nor a symlink")
            }
            items.append(IngestItem(absolutePath: full, displayPath: shown, status: status))
            paths.append(name)
        }
    }

    /// The output directory (`…/pfs/out`) given a directory under it and its relative path.
    private func directoryRoot(_ path: String, _ relative: String) -> String {
        var root = path
        for _ in RepoPath.components(relative) { root = FileSystem.parentPath(root) }
        return root
    }

    /// A symlink is kept as a symlink (nil) when its target is UTF-8 and resolves inside
    /// /pfs/out, by the rule `dver add` applies to repos (`Symlinks.staysInside`). A link to a
    /// file or directory of an input — `/pfs/<input>/…` as the sandbox sees it, the same path
    /// under the datum's host directory (the local runtime), or a relative path leading there —
    /// gives that input's files, taken from the store (so `empty_files` placeholders give the
    /// real content), as Pachyderm stores them. Anything else fails the datum.
    private func linkedInputFiles(_ full: String, name: String, shown: String, outDirectory: String) throws -> [(path: String, ref: FileRef)]? {
        let bytes = try FileSystem.readLinkBytes(full)
        guard let target = String(validating: bytes, as: UTF8.self) else {
            throw PipelineError.invalidOutput(path: shown, problem: "its target \(FileName.escaped(bytes)) is not valid UTF-8")
        }
        if Symlinks.staysInside(name, target: target, mount: "") { return nil }
        let pfs = FileSystem.parentPath(outDirectory)
        var components: [Substring]
        if target.hasPrefix("/pfs/") {
            components = RepoPath.components(String(target.dropFirst("/pfs/".count)))
        } else if target.hasPrefix(pfs + "/") {
            components = RepoPath.components(String(target.dropFirst(pfs.count + 1)))
        } else if !target.hasPrefix("/") {
            components = ["out"] + RepoPath.components(RepoPath.parent(name)) + target.split(separator: "/")
        } else {
            components = []
        }
        var resolved = [Substring]()
        for part in components where part != "." && !part.isEmpty {
            if part == ".." {
                if resolved.popLast() == nil { resolved = [] ; break }
            } else {
                resolved.append(part)
            }
        }
        guard resolved.count >= 2, resolved.first != "out", let inputs, let files = try inputs.files(at: resolved), !files.isEmpty else {
            throw PipelineError.invalidOutput(path: shown, problem: "it is a symlink to \(target), neither inside /pfs/out nor a file or directory of an input under /pfs")
        }
        return files
    }
}
