import DverCore
import DverRepository
import DverStore
import DverSystem

/// Stores what a datum wrote under its output directory and lists it. Nothing is dropped or
/// altered on the way: an output a repo cannot hold fails the datum, naming it.
struct OutputCollector: Sendable {
    let writer: ObjectWriter

    /// Stores every file under `directory` (the datum's /pfs/out). The walk lstat's each entry,
    /// so a symlink is stored as a symlink and never followed, and descends at most
    /// `RepoPath.maximumDepth` levels. The datum's processes have all ended by now (every
    /// runtime kills its sandbox's processes), so nothing changes under the walk.
    /// - Throws: `PipelineError.invalidOutput` for a name that is not valid UTF-8 (shown
    ///   escaped, `caf\xe9.csv`) or otherwise invalid, a path deeper than
    ///   `RepoPath.maximumDepth`, a symlink whose target is absolute or leaves /pfs/out, and
    ///   anything that is not a file, directory or symlink (sockets, fifos, devices).
    func collect(_ directory: String) throws -> [DatumResult.OutputFile] {
        var items = [IngestItem]()
        var paths = [String]()
        try visit(directory, relative: "", items: &items, paths: &paths)
        let refs = try Ingester(writer: writer, progress: SilentProgress()).ingest(items)
        return zip(paths, refs).map { DatumResult.OutputFile(path: $0, ref: $1) }
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Collects the entries of `path` (at `relative` under /pfs/out); recursion is bounded
    /// because every entry's path is validated, depth included, before it is descended into.
    private func visit(_ path: String, relative: String, items: inout [IngestItem], paths: inout [String]) throws {
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
                try visit(full, relative: name, items: &items, paths: &paths)
                continue
            case .regular:
                break
            case .symlink:
                try checkSymlink(full, name: name, shown: shown)
            case .other:
                throw PipelineError.invalidOutput(path: shown, problem: "it is neither a file, a directory nor a symlink")
            }
            items.append(IngestItem(absolutePath: full, displayPath: shown, status: status))
            paths.append(name)
        }
    }

    /// A symlink is kept only when its target is UTF-8 and resolves inside /pfs/out, by the
    /// rule `dver add` applies to repos (`Symlinks.staysInside`).
    private func checkSymlink(_ full: String, name: String, shown: String) throws {
        let bytes = try FileSystem.readLinkBytes(full)
        guard let target = String(validating: bytes, as: UTF8.self) else {
            throw PipelineError.invalidOutput(path: shown, problem: "its target \(FileName.escaped(bytes)) is not valid UTF-8")
        }
        guard Symlinks.staysInside(name, target: target, mount: "") else {
            throw PipelineError.invalidOutput(path: shown, problem: "it is a symlink to \(target), outside /pfs/out"
                + (target.hasPrefix("/") ? " (absolute targets are not stored)" : ""))
        }
    }
}
