import DverCore

/// The data commits `dver.lock` pins at the tip of every git ref and tag: roots that garbage
/// collection keeps, local and remote, so that checking out any branch or tag of the code can
/// restore its data. Read through libgit2 from the refs, not from the working tree.
public struct GitPin: Sendable, Equatable {
    /// The git ref (`refs/tags/v1.0`) whose tip pins it.
    public var ref: String
    public var repo: String
    public var commit: ObjectID
}

extension GitProject {
    /// Every pin at every ref tip, one per (ref, repo). A tip whose `dver.lock` does not parse
    /// is skipped and named in `unreadable`, not fatal: gc must not stop on one bad commit.
    public func pinsAtRefTips() throws -> (pins: [GitPin], unreadable: [String]) {
        var pins = [GitPin]()
        var unreadable = [String]()
        var locks = [String: LockFile?]()
        for (name, commit) in try git.refTips().sorted(by: { $0.name < $1.name }) {
            let lock: LockFile?
            if let known = locks[commit] {
                lock = known
            } else {
                do {
                    lock = try self.lock(atCommit: commit)
                } catch {
                    unreadable.append(name)
                    locks[commit] = .some(nil)
                    continue
                }
                locks[commit] = lock
            }
            for entry in lock?.entries ?? [] { pins.append(GitPin(ref: name, repo: entry.repo, commit: entry.commit)) }
        }
        return (pins, unreadable)
    }
}
