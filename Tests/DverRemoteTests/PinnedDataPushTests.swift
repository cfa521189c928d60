import DverCore
import DverRemote
import DverRepository
import Testing

/// The API the git pre-push hook uses: push the objects of pinned commits, no refs.
@Suite("pinned commits push (pre-push hook API)")
struct PinnedDataPushTests {
    @Test("pinned commits are sent without moving remote branches, fetchable by id, and a second push is free")
    func pushPinnedCommits() throws {
        let sandbox = try Sandbox()
        let source = try sandbox.project("source", files: ["data/raw/a.bin": seeded(51, 100_000)])
        let first = try #require(try source.head("raw"))
        try source.commit(["data/raw/b.bin": seeded(52, 100_000)])
        let second = try #require(try source.head("raw"))
        let remote = try source.addRemote("origin", url: sandbox.path("remote"))

        let result = try PinnedDataPush.push([("raw", first), ("raw", second)], project: source.project)
        #expect(result.updates.allSatisfy { $0.kind == .objectsOnly && $0.branch == nil })
        #expect(result.objectsSent > 0)
        let index = try remote.readIndex().index
        #expect(index.repos.isEmpty)

        let again = try PinnedDataPush.push([("raw", second)], project: source.project)
        #expect(again.isUpToDate)
        #expect(again.objectsSent == 0)

        // Another project can fetch a pinned commit by id.
        let target = try sandbox.project("target")
        let targetRemote = try target.addRemote("origin", url: sandbox.path("remote"))
        let fetched = try FetchOperation(project: target.project, remote: targetRemote)
            .download(commits: [first], packs: try targetRemote.readIndex().index.packs)
        #expect(fetched.objects > 0)
        // Everything the commit reaches came over: checking it out writes the file.
        _ = try target.project.moveBranch(repo: "raw", mount: "data/raw", branch: "main", from: nil, to: first)
        #expect(try target.read("data/raw/a.bin") == seeded(51, 100_000))
        #expect(!target.exists("data/raw/b.bin"))
    }
}
