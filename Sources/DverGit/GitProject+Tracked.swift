extension GitProject {
    /// Files git tracks under a project directory.
    public struct TrackedByGit: Sendable, Equatable {
        /// The project-relative directory (or file) asked about.
        public var path: String
        /// How many files git's index tracks there.
        public var count: Int
        /// The first of them, project-relative.
        public var sample: [String]
    }

    /// The project-relative paths under which git's index tracks files, with a count and the
    /// first `sampleLimit` file names of each; paths git tracks nothing under are left out.
    /// One read of the index for all paths (`GitRepository.trackedFiles`).
    /// - Throws: `GitError.library`.
    public func filesTrackedByGit(under paths: [String], sampleLimit: Int = 10) throws(GitError) -> [TrackedByGit] {
        let inGit = paths.map { path in projectPath.isEmpty ? path : path.isEmpty ? projectPath : "\(projectPath)/\(path)" }
        let strip = projectPath.isEmpty ? 0 : projectPath.count + 1
        return try git.trackedFiles(under: inGit, sampleLimit: sampleLimit).enumerated().compactMap { offset, found in
            guard found.count > 0 else { return nil }
            return TrackedByGit(path: paths[offset], count: found.count, sample: found.sample.map { String($0.dropFirst(strip)) })
        }
    }
}
