import DverCore
import DverGit
import DverRepository
import DverSystem

extension Add {
    /// Refuses, before anything is staged, paths under which git's index tracks files: data
    /// committed to git as well would be stored twice and `git checkout` would fight dver over
    /// it (DVC refuses the same way). A path above repo mounts (`dver add .`) is checked at
    /// the mounts it adds. Outside a git working tree (or one dver cannot use) nothing is checked.
    /// - Throws: `GitError.filesTrackedByGit` (exit 1), naming the files and the fix.
    func refuseFilesGitTracks(_ paths: [String], in project: Project) throws {
        guard let git = try? GitProject.open(project) else { return }
        let mounts = try project.repos().map(\.mount)
        var checked = [String]()
        for path in paths where !path.isEmpty || !mounts.isEmpty {
            let below = mounts.filter { RepoPath.isWithin($0, path) && $0 != path }
            let insideRepo = mounts.contains { RepoPath.isWithin(path, $0) }
            checked += !below.isEmpty && !insideRepo ? below : [path]
        }
        let tracked = try git.filesTrackedByGit(under: checked.filter { !$0.isEmpty })
        guard !tracked.isEmpty else { return }
        throw GitError.filesTrackedByGit(paths: tracked.map(\.path),
                                         untrack: tracked.map { Self.argument(for: $0.path, in: project) }.joined(separator: " "),
                                         count: tracked.reduce(0) { $0 + $1.count },
                                         sample: Array(tracked.flatMap(\.sample).prefix(10)))
    }

    /// A project-relative path as a shell argument relative to the working directory.
    private static func argument(for path: String, in project: Project) -> String {
        let absolute = project.absolutePath(path)
        let here = (try? FileSystem.realPath(workingDirectory)) ?? workingDirectory
        let relative = absolute == here ? "." : absolute.hasPrefix(here + "/") ? String(absolute.dropFirst(here.count + 1)) : absolute
        let plain = relative.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || "0123456789._-/+@,:=".unicodeScalars.contains($0)) }
        return plain ? relative : "'" + relative.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
