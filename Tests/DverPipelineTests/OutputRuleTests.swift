@testable import DverPipeline
import DverCore
import DverRepository
import DverSystem
import Foundation
import Testing

/// What a datum writes is stored whole or the datum fails naming the output: nothing is dropped
/// or altered silently (docs/PIPELINES.md, "Outputs"). Local runtime, so it runs everywhere.
@Suite("Datum outputs a repo cannot hold")
struct OutputRuleTests {
    /// A shell command making `$DVER_OUTPUT/d/d/.../leaf.txt`, `depth` path components in all.
    static func deepOutput(depth: Int) -> String {
        "d=$DVER_OUTPUT; for i in $(seq \(depth - 1)); do d=$d/d; done; mkdir -p $d; echo deep > $d/leaf.txt; ln -s leaf.txt $d/link"
    }

    static func deepPath(depth: Int, name: String = "leaf.txt") -> String {
        (Array(repeating: "d", count: depth - 1) + [name]).joined(separator: "/")
    }

    @Test("an output as deep as RepoPath.maximumDepth is stored, committed and checked out", arguments: [300, RepoPath.maximumDepth])
    func deepOutputIsStored(depth: Int) throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        // A symlinked directory is stored as a symlink, not walked into.
        let cmd = Self.deepOutput(depth: depth) + "; mkdir $DVER_OUTPUT/real; echo x > $DVER_OUTPUT/real/f; ln -s real $DVER_OUTPUT/alias"
        try project.create(PipelineProject.localSpec(name: "deep", cmd: cmd))
        let job = try project.run("deep")
        #expect(job.state == .succeeded, "\(job.error ?? "")")
        let leaf = Self.deepPath(depth: depth)
        let link = Self.deepPath(depth: depth, name: "link")
        #expect(try project.files("deep") == [leaf: "deep\n", link: "leaf.txt", "real/f": "x\n", "alias": "real"])
        let head = try #require(try project.project.refs.read(repo: "deep", branch: "main"))
        let tree = try project.project.store.decodeCommit(head).tree
        let kinds = Dictionary(try TreeReader(store: project.project.store).files(tree).map { ($0.path, $0.ref.kind) }, uniquingKeysWith: { $1 })
        #expect(kinds[link] == .symlink && kinds["alias"] == .symlink)
        // The job checked the commit out into the output repo's workspace.
        #expect(try FileSystem.readText(project.path("data/deep/\(leaf)")) == "deep\n")
        #expect(try FileSystem.readLink(project.path("data/deep/\(link)")) == "leaf.txt")
    }

    @Test("an output deeper than RepoPath.maximumDepth fails the datum, naming the path")
    func tooDeepOutputFails() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "deeper", cmd: Self.deepOutput(depth: RepoPath.maximumDepth + 1)))
        let job = try project.run("deeper")
        #expect(job.state == .failed)
        let error = try #require(job.datums.first?.error)
        #expect(error.contains("output /pfs/out/d/d/d/d/…/d/d/leaf.txt (\(RepoPath.maximumDepth + 1) components under /pfs/out) cannot be stored: "
                               + "more than \(RepoPath.maximumDepth) nested directories"), "\(error)")
        #expect(try project.headCommit("deeper") == nil)
    }

    @Test("a file name that is not UTF-8 fails the datum, shown escaped")
    func nonUTF8NameFails() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "latin", cmd: "mkdir $DVER_OUTPUT/dir; echo 1 > \"$DVER_OUTPUT/dir/$(printf 'caf\\351.csv')\""))
        let job = try project.run("latin")
        #expect(job.state == .failed)
        let error = try #require(job.datums.first?.error)
        #expect(error.contains("output /pfs/out/dir/caf\\xe9.csv cannot be stored: the name is not valid UTF-8"), "\(error)")
    }

    @Test("a symlink leaving /pfs/out, or with a target that is not UTF-8, fails the datum",
          arguments: [("/etc/passwd", "neither inside /pfs/out nor a file or directory of an input"), ("../../x", "neither inside /pfs/out nor a file or directory of an input"), ("../sub/../../x", "neither inside /pfs/out nor a file or directory of an input"),
                      ("$(printf 'caf\\351')", "target caf\\xe9 is not valid UTF-8")])
    func escapingSymlinkFails(target: String, problem: String) throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "links", cmd: "mkdir $DVER_OUTPUT/sub; echo ok > $DVER_OUTPUT/sub/ok; ln -s \"\(target)\" $DVER_OUTPUT/sub/link"))
        let job = try project.run("links")
        #expect(job.state == .failed)
        let error = try #require(job.datums.first?.error)
        #expect(error.contains("output /pfs/out/sub/link cannot be stored") && error.contains(problem), "\(error)")
    }

    @Test("a retried attempt starts with an empty /pfs/out even when the last one left a tree deeper than PATH_MAX or read-only directories")
    func retryStartsEmpty() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "a\n"])
        try project.commit()
        // 15 rounds of 200 nested directories, created relative to the last: a path of 6,000 bytes.
        let cmd = """
        test -z "$(ls $DVER_OUTPUT)" || exit 9
        if [ $DVER_ATTEMPT = 1 ]; then
          mkdir $DVER_OUTPUT/locked; echo stale > $DVER_OUTPUT/locked/x; chmod 500 $DVER_OUTPUT/locked
          p=d; for i in $(seq 199); do p=$p/d; done
          (cd $DVER_OUTPUT && for i in $(seq 15); do mkdir -p $p && cd $p || exit 1; done && echo stale > bottom)
          exit 1
        fi
        echo fresh > $DVER_OUTPUT/result
        """
        try project.create(PipelineProject.localSpec(name: "retry", cmd: cmd, extra: "datum_tries: 2"))
        let job = try project.run("retry")
        #expect(job.state == .succeeded, "\(job.datums)")
        #expect(try project.files("retry") == ["result": "fresh\n"])
    }
}
