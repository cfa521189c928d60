import ArgumentParser
import DverCore
import DverGit
import DverRemote
import DverRepository
import DverSystem
import Foundation

/// What each git hook does on dver's side (docs/GIT.md, "Hooks").
struct HookRunner {
    let git: GitProject
    let console: Console
    let json: Bool

    /// Writes and stages dver.lock; applies the policy when data is not committed to dver.
    func preCommit() throws {
        let project = git.project
        let dirty = try project.status().filter { !$0.isClean }
        if !dirty.isEmpty {
            let policy = try GitSettings.load(project).preCommitPolicy
            let lines = dirty.map { status in
                "  \(status.repo.name) (\(status.repo.mount)/): \(status.staged.count) staged, "
                    + "\(status.unstaged.count) not staged, \(status.untracked.count) untracked"
            }.joined(separator: "\n")
            if policy == .block {
                Console.writeError("""
                    dver: git commit refused (pre-commit policy 'block'): these repos hold data not committed to dver:
                    \(lines)
                    commit the data first ('dver add PATH && dver commit -m MSG'), bypass once with 'git commit --no-verify', \
                    or switch to warnings with 'dver hooks policy warn'

                    """)
                throw ReportedFailure(status: .failure)
            }
            console.notice("""
                dver: warning: these repos hold data not committed to dver; this git commit pins their last dver commits:
                \(lines)
                """)
        }
        let (lock, changed) = try git.writeLock()
        try git.stageLock()
        if changed {
            let pins = lock.entries.map { "\($0.repo)@\($0.branch ?? "detached") \($0.commit.shortHex())" }.joined(separator: ", ")
            console.notice("dver: dver.lock updated and staged: \(pins.isEmpty ? "no repos with commits" : pins)")
        }
    }

    /// post-checkout (OLD NEW FLAG), post-merge (SQUASH) and post-rewrite (rebase): restores
    /// what HEAD's lock pins.
    /// Never fails: git has already moved, so problems are reported and the hook exits 0.
    func restoreAfterCheckout(hook: String, arguments given: [String]) {
        var arguments = given
        let environment = ProcessInfo.processInfo.environment
        if hook == "post-checkout", arguments.isEmpty, let from = environment["PRE_COMMIT_FROM_REF"],
           let to = environment["PRE_COMMIT_TO_REF"] {
            // Run by the pre-commit framework, which passes git's arguments in the environment.
            arguments = [from, to, environment["PRE_COMMIT_CHECKOUT_TYPE"] ?? "1"]
        }
        if hook == "post-rewrite", arguments.first != "rebase" { return }   // 'amend' moves no data
        if hook == "post-checkout" {
            // FLAG 0 is a file checkout ('git checkout -- PATH'); equal OLD and NEW move nothing.
            guard arguments.count >= 3, arguments[2] == "1", arguments[0] != arguments[1] else { return }
        }
        do {
            // post-merge runs once the merge commit exists, while git still has MERGE_HEAD, and
            // post-rewrite once a rebase is done, before git removes its state: these states
            // are the finished operations themselves.
            let state = git.git.state
            guard state == .none || (hook == "post-merge" && state == .merge) || (hook == "post-rewrite" && state == .rebase) else {
                console.notice("dver: git is in the middle of a \(state.rawValue); data not restored. "
                    + "When it is finished, run 'dver checkout --git HEAD'.")
                return
            }
            guard let head = try git.git.head().commit, let lock = try git.lock(atCommit: head) else { return }
            // Fetched objects are named only once restored: gc waits until then (objects lock).
            let report = try git.project.withObjectWriters {
                do {
                    try fetchPinnedData(lock.entries.map(\.commit), project: git.project, console: console)
                } catch {
                    console.notice("dver: could not fetch pinned data from the dver remote: \(error)")
                }
                return try LockRestore(project: git.project).restore(lock)
            }
            if !report.created.isEmpty { GitSupport.refreshIgnoreFile(git.project, console: console) }
            for line in GitSupport.describe(report, pinnedBy: "HEAD") { console.notice("dver: " + line) }
        } catch {
            console.notice("dver: error: \(error)\ndver: git finished; the data was not restored. Run 'dver checkout --git HEAD' once the problem is fixed.")
        }
    }

    /// Finds the data commits the pushed git commits pin and pushes their objects to the
    /// project's default dver remote (none configured: nothing to push). A failed data push
    /// stops the git push, so git never publishes commits whose data is not on the remote.
    func prePush(remote: String) throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let updates = try PushScan.parse(input)
        let scan = try PushScan(gitProject: git).pins(for: updates, remote: remote)
        let store = git.project.store
        if json {
            struct Pin: Encodable { let repo: String; let commit: String; let in_local_store: Bool }
            struct Output: Encodable { let git_commits: Int; let pins: [Pin] }
            try console.emit(Output(git_commits: scan.gitCommits, pins: scan.pins.map {
                Pin(repo: $0.repo, commit: $0.commit.hex, in_local_store: store.contains($0.commit))
            }))
        }
        try pushPinnedData(scan.pins.map { ($0.repo, $0.commit) })
    }

    /// The pre-push data push (DverRemote.PinnedDataPush).
    private func pushPinnedData(_ pins: [(repo: String, commit: ObjectID)]) throws {
        let project = git.project
        guard !pins.isEmpty, !(try RemoteRegistry.load(project.layout).remotes.isEmpty) else { return }
        let present = pins.filter { project.store.contains($0.commit) }
        for pin in pins where !project.store.contains(pin.commit) {
            console.notice("dver: \(pin.repo)@\(pin.commit.shortHex()) is pinned but not in the local store; not pushed")
        }
        do {
            let result = try PinnedDataPush.push(present, project: project)
            if !json, !result.isUpToDate {
                console.notice("dver: pushed the data of \(Format.count(present.count, "pinned commit")): \(Format.count(result.objectsSent, "object")) "
                    + "(\(Format.bytes(result.bytesSent)))")
            }
        } catch {
            Console.writeError("dver: error: \(error)\ndver: git push stopped because the data it pins could not be pushed; "
                + "fix the problem and push again, or skip the data push once with 'git push --no-verify'\n")
            throw ReportedFailure(status: ExitStatus.of(error))
        }
    }
}
