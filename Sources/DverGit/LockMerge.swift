import DverCore

/// A three-way merge of `dver.lock` files, run by git as the `dver-lock` merge driver.
///
/// Per repo: a side that left the entry as in the base takes the other side's entry (also a
/// deletion); equal sides agree. When both sides changed the entry differently, the side whose
/// commit descends from the other's wins (the data history fast-forwards); otherwise it is a
/// true conflict.
public enum LockMerge {
    /// A repo both sides changed incompatibly.
    public struct Conflict: Sendable, Equatable {
        public var repo: String
        public var base: LockFile.Entry?
        public var ours: LockFile.Entry?
        public var theirs: LockFile.Entry?
    }

    /// The merged lock, conflicts, and the text to write (with git-style conflict markers
    /// around each conflicting repo's lines when there are conflicts).
    public struct Result: Sendable {
        public var merged: LockFile
        public var conflicts: [Conflict]
        public var text: String
    }

    /// Merges `ours` and `theirs` against their common `base`. `descends(a, b)` says whether
    /// data commit `a` has `b` among its ancestors (both of the same repo); pass `{ _, _ in
    /// false }` when no store is at hand.
    public static func merge(base: LockFile, ours: LockFile, theirs: LockFile,
                             descends: (LockFile.Entry, LockFile.Entry) -> Bool) -> Result {
        let names = Set(base.entries.map(\.repo) + ours.entries.map(\.repo) + theirs.entries.map(\.repo))
            .sorted { $0.precedesInByteOrder($1) }
        var merged = [LockFile.Entry]()
        var conflicts = [Conflict]()
        var text = LockFile(entries: []).rendered()
        for name in names {
            let (old, mine, other) = (base.entry(for: name), ours.entry(for: name), theirs.entry(for: name))
            let chosen: LockFile.Entry?
            if mine == other || other == old {
                chosen = mine
            } else if mine == old {
                chosen = other
            } else if let mine, let other, mine.path == other.path, descends(mine, other) {
                chosen = mine
            } else if let mine, let other, mine.path == other.path, descends(other, mine) {
                chosen = other
            } else {
                conflicts.append(Conflict(repo: name, base: old, ours: mine, theirs: other))
                if let mine { merged.append(mine) }
                text += "<<<<<<< ours\n\(mine.map { $0.line + "\n" } ?? "")=======\n"
                    + "\(other.map { $0.line + "\n" } ?? "")>>>>>>> theirs\n"
                continue
            }
            if let chosen {
                merged.append(chosen)
                text += chosen.line + "\n"
            }
        }
        let lock = LockFile(entries: merged)
        return Result(merged: lock, conflicts: conflicts, text: conflicts.isEmpty ? lock.rendered() : text)
    }
}
