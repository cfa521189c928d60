import DverCore

/// Finds the data commits that git commits about to be pushed pin, from a pre-push hook's
/// input: one line per ref, `<local ref> <local sha> <remote ref> <remote sha>`.
///
/// For each updated ref, the new commits are those reachable from the local sha and not from
/// the remote sha (when git has it) nor from any of the remote's tracking refs
/// (`refs/remotes/<remote>/*`); each one's `dver.lock` is read and its pins collected.
/// Deleted refs (local sha all zeros) push nothing.
public struct PushScan {
    public let gitProject: GitProject

    public init(gitProject: GitProject) { self.gitProject = gitProject }

    /// One ref line of pre-push input.
    public struct RefUpdate: Sendable, Equatable {
        public var localRef: String
        public var localCommit: String
        public var remoteRef: String
        public var remoteCommit: String

        var deletesRef: Bool { localCommit.allSatisfy { $0 == "0" } }
        var remoteHasNothing: Bool { remoteCommit.allSatisfy { $0 == "0" } }
    }

    /// A data commit some pushed git commit pins.
    public struct Pin: Sendable, Hashable, Comparable {
        public var repo: String
        public var commit: ObjectID

        public static func < (lhs: Pin, rhs: Pin) -> Bool {
            lhs.repo != rhs.repo ? lhs.repo.precedesInByteOrder(rhs.repo) : lhs.commit.hex < rhs.commit.hex
        }
    }

    /// Parses pre-push's standard input.
    /// - Throws: `GitError.malformedPushLine`.
    public static func parse(_ input: String) throws(GitError) -> [RefUpdate] {
        var updates = [RefUpdate]()
        for line in input.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let fields = line.split(separator: " ")
            guard fields.count == 4 else { throw .malformedPushLine(String(line)) }
            updates.append(RefUpdate(localRef: String(fields[0]), localCommit: String(fields[1]),
                                     remoteRef: String(fields[2]), remoteCommit: String(fields[3])))
        }
        return updates
    }

    /// Every (repo, data commit) pinned by a git commit the updates push, sorted, and the
    /// number of git commits examined.
    /// - Throws: `GitError` for unreadable commits or malformed lock files.
    public func pins(for updates: [RefUpdate], remote: String) throws -> (pins: [Pin], gitCommits: Int) {
        var pins = Set<Pin>()
        var seen = Set<String>()
        for update in updates where !update.deletesRef {
            let hidden = update.remoteHasNothing ? [] : [update.remoteCommit]
            try gitProject.git.walk(from: [update.localCommit], hiding: hidden,
                                    hidingGlobs: remote.isEmpty ? [] : ["refs/remotes/\(remote)/*"]) { commit in
                guard seen.insert(commit.id).inserted else { return true }
                for entry in try gitProject.lock(atCommit: commit.id)?.entries ?? [] {
                    pins.insert(Pin(repo: entry.repo, commit: entry.commit))
                }
                return true
            }
        }
        return (pins.sorted(), seen.count)
    }
}
