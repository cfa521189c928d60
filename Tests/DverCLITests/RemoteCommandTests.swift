import DverCore
import DverTestSupport
import Foundation
import Testing

/// `dver remote`, `push`, `fetch`, `pull` and `clone` end to end through a directory remote.
@Suite("remote commands")
struct RemoteCommandTests {
    func sourceProject() throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "1,2\n")
        var random = SeededGenerator(seed: 3)
        try project.write("data/raw/images/cats/c.bin", random.bytes(300_000))
        try project.write("data/raw/images/dogs/d.bin", random.bytes(200_000))
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "first"])
        return project
    }

    @Test("remote add/list/set-default/remove, with --json")
    func remoteManagement() throws {
        let project = try TestProject()
        project.run(["remote", "add", "origin", "\(project.outside)/remote"])
        project.run(["remote", "add", "s3", "s3://bucket/prefix", "--endpoint", "http://127.0.0.1:9", "--region", "eu-west-1"])
        let list = try project.run(["remote", "list", "--json"]).jsonArray()
        #expect(list.map { $0["name"] as? String } == ["origin", "s3"])
        #expect(list.first { $0["name"] as? String == "origin" }?["default"] as? Bool == true)
        project.run(["remote", "set-default", "s3"])
        #expect(project.run(["remote", "list"]).stdout.contains("* s3"))
        project.run(["remote", "add", "s3", "/tmp/x"], expect: 1)
        project.run(["remote", "add", "bad", "ftp://x"], expect: 1)
        project.run(["remote", "add", "dir", "/tmp/x", "--endpoint", "http://x"], expect: 64)
        project.run(["remote", "remove", "s3"])
        project.run(["remote", "remove", "s3"], expect: 1)
        #expect(try project.run(["remote", "list", "--json"]).jsonArray().count == 1)
    }

    @Test("push, no-op push, clone, pull and partial pull from the command line")
    func workflow() throws {
        let source = try sourceProject()
        let remote = "\(source.outside)/remote"
        source.run(["remote", "add", "origin", remote, "-q"])
        #expect(source.run(["push"]).stdout.contains("raw@main"))
        let again = source.run(["push"])
        #expect(again.stdout.contains("Everything up to date"))
        #expect(again.stdout.contains("1 request"))
        let pushJSON = try source.run(["push", "--json"]).jsonObject()
        #expect(pushJSON["requests"] as? Int == 1)

        let clone = try TestProject(initialize: false)
        clone.run(["clone", remote, "copy"], in: clone.outside)
        let copy = "\(clone.outside)/copy"
        #expect(try clone.hashes(under: "\(copy)/data") == (try source.hashes(under: "data")))
        #expect(clone.run(["status"], in: copy).stdout.contains("workspace clean"))

        try source.append("data/raw/a.csv", "3,4\n")
        source.run(["add", "-q", "data/raw"])
        source.run(["commit", "-q", "-m", "second"])
        source.run(["push", "-q", "origin", "raw@main"])
        let fetched = try clone.run(["fetch", "--json"], in: copy).jsonObject()
        #expect((fetched["updated"] as? [[String: Any]])?.count == 1)
        let pulled = try clone.run(["pull", "--json"], in: copy).jsonObject()
        #expect((pulled["updates"] as? [[String: Any]])?.first?["result"] as? String == "fast-forward")
        #expect(try clone.read("\(copy)/data/raw/a.csv") == Array("1,2\n3,4\n".utf8))
        let second = try clone.run(["clone", "--json", remote, "second"], in: clone.outside).jsonObject()
        #expect((second["extra"] as? [String: String])?["root"] == "\(clone.outside)/second")

        let partial = try TestProject()
        partial.run(["remote", "add", "-q", "origin", remote])
        let result = partial.run(["pull", "raw@main:images/cats"])
        #expect(result.stdout.contains("Wrote 1 file from"))
        #expect(partial.exists("data/raw/images/cats/c.bin"))
        #expect(!partial.exists("data/raw/images/dogs/d.bin"))
        #expect(!partial.exists("data/raw/a.csv"))
    }

    @Test("refusals: non-fast-forward push (exit 1), pull over uncommitted changes (exit 2), unknown remote")
    func refusals() throws {
        let source = try sourceProject()
        let remote = "\(source.outside)/remote"
        source.run(["remote", "add", "-q", "origin", remote])
        source.run(["push", "-q"])
        let other = try TestProject(initialize: false)
        other.run(["clone", "-q", remote, "copy"], in: other.outside)
        let copy = "\(other.outside)/copy"

        try source.append("data/raw/a.csv", "from source\n")
        source.run(["add", "-q", "data/raw"])
        source.run(["commit", "-q", "-m", "source"])
        source.run(["push", "-q"])
        try other.append("\(copy)/data/raw/a.csv", "from copy\n")
        let refused = other.run(["pull"], expect: 2, in: copy)
        #expect(refused.stderr.contains("data/raw/a.csv"))
        other.run(["add", "-q", "data/raw"], in: copy)
        other.run(["commit", "-q", "-m", "copy"], in: copy)
        let rejected = other.run(["push"], expect: 1, in: copy)
        #expect(rejected.stderr.contains("rejected"))
        #expect(rejected.stderr.contains("--force"))
        other.run(["push", "--force", "-q"], in: copy)
        #expect(source.run(["push"], expect: 1).stderr.contains("rejected"))
        #expect(source.run(["push", "nowhere", "raw"], expect: 1).stderr.contains("no remote named 'nowhere'"))
        #expect(try TestProject().run(["push"], expect: 1).stderr.contains("no default remote"))
    }

    @Test("S3 credentials come from the environment and are never printed")
    func credentialsNotPrinted() throws {
        let project = try sourceProject()
        let secret = "sup3r-s3cret-value"
        project.run(["remote", "add", "-q", "origin", "s3://dver-test-bucket/p", "--endpoint", "http://127.0.0.1:9"])
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": secret]
        let result = project.run(["push"], expect: 1, environment: environment)
        #expect(result.stderr.contains("cannot reach"))
        #expect(!result.output.contains(secret))
        let config = try project.read(".dver/remotes.json")
        #expect(!String(decoding: config, as: UTF8.self).contains(secret))
        let missing = project.run(["push"], expect: 1, environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "HOME": project.outside,
                                                                     "AWS_PROFILE": ""])
        #expect(missing.stderr.contains("no S3 credentials"))
    }

    @Test("a session token is sent but hidden from the DVER_CURL_VERBOSE trace")
    func sessionTokenNotTraced() throws {
        let server = try RecordingHTTPServer()
        defer { server.stop() }
        let project = try TestProject()
        let token = "IQoJb3JpZ2luX2VjEXAMPLE-token"
        project.run(["remote", "add", "-q", "origin", "s3://dver-test-bucket/p", "--endpoint", server.endpoint])
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret-example",
                           "AWS_SESSION_TOKEN": token, "DVER_CURL_VERBOSE": "1"]
        let result = project.run(["fetch"], expect: 1, environment: environment)
        #expect(result.stderr.contains("does not exist"))   // the bucket: the server answers 404 to everything
        #expect(result.stderr.contains("> x-amz-security-token: (hidden)"))
        #expect(result.stderr.contains("SignedHeaders="))
        #expect(!result.output.contains(token))
        #expect(server.requests.allSatisfy { $0.contains("x-amz-security-token: \(token)") } && !server.requests.isEmpty)
    }
}

/// git's pre-push hook sends the data the pushed git commits pin to the default dver remote.
@Suite("pre-push hook pushes pinned data", .enabled(if: gitIsInstalled, "git is not installed"))
struct PrePushDataTests {
    @Test("git push sends the pinned data; a failing data push stops git push")
    func gitPushSendsData() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install", "-q"])
        let v1 = try GitWorkflowTests.commitVersion(project, 1)
        let dataRemote = "\(project.outside)/data-remote"
        project.run(["remote", "add", "-q", "origin", dataRemote])
        try project.git(["init", "-q", "--bare", project.outside + "/remote.git"])
        try project.git(["remote", "add", "origin", project.outside + "/remote.git"])
        try project.git(["push", "-q", "origin", "main"])
        let index = try JSONSerialization.jsonObject(with: Data(try project.read("\(dataRemote)/index.json"))) as? [String: Any]
        #expect((index?["packs"] as? [[String: Any]])?.isEmpty == false, "the data of \(v1.git) reached the dver remote")

        // A clone of the git repository gets the pinned data from the dver remote by commit id.
        let clone = try TestProject(initialize: false)
        try clone.git(["clone", "-q", "-b", "main", project.outside + "/remote.git", "copy"], in: clone.outside)
        let copy = "\(clone.outside)/copy"
        clone.run(["init", "-q"], in: copy)
        clone.run(["remote", "add", "-q", "origin", dataRemote], in: copy)
        let restored = clone.run(["checkout", "--git", "HEAD"], in: copy)
        #expect(restored.stderr.contains("fetched"), "\(restored)")
        #expect(try clone.hashes(under: "\(copy)/data/raw") == v1.hashes)

        // A dver remote that cannot be reached stops git push, naming the way out.
        _ = try GitWorkflowTests.commitVersion(project, 2)
        project.run(["remote", "add", "-q", "broken", "s3://dver-bucket/x", "--endpoint", "http://127.0.0.1:9"])
        project.run(["remote", "set-default", "-q", "broken"])
        let failed = try project.git(["push", "-q", "origin", "main"], expect: nil)
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("git push stopped"), "\(failed.stderr)")
        project.run(["remote", "set-default", "-q", "origin"])
        try project.git(["push", "-q", "origin", "main"])
    }
}
