import DverRemote
import DverStore
import DverSystem
import Foundation
import Testing

/// Remote URLs, S3 addressing, credentials precedence and the remotes file.
@Suite("remote configuration")
struct RemoteConfigurationTests {
    @Test("URLs: s3://bucket/prefix, directories, file://, and bad ones")
    func locations() throws {
        #expect(try RemoteLocation(parsing: "s3://my-bucket/a/b/", workingDirectory: "/w") == .s3(bucket: "my-bucket", prefix: "a/b"))
        #expect(try RemoteLocation(parsing: "s3://my-bucket", workingDirectory: "/w") == .s3(bucket: "my-bucket", prefix: ""))
        #expect(try RemoteLocation(parsing: "../remote", workingDirectory: "/w/p") == .directory(path: "/w/remote"))
        #expect(try RemoteLocation(parsing: "file:///srv/x", workingDirectory: "/w") == .directory(path: "/srv/x"))
        for bad in ["s3://AB", "s3://x", "ftp://host/x", ""] {
            #expect(throws: RemoteError.self) { try RemoteLocation(parsing: bad, workingDirectory: "/w") }
        }
    }

    @Test("path-style and virtual-hosted URLs, keys percent-encoded")
    func addressing() throws {
        let path = try S3Endpoint(endpoint: "http://127.0.0.1:8333/", region: "us-east-1", pathStyle: nil)
        #expect(path.pathStyle)
        #expect(path.url(bucket: "b", key: "p/index.json") == "http://127.0.0.1:8333/b/p/index.json")
        #expect(path.url(bucket: "b", key: "a b+c", query: "uploads=") == "http://127.0.0.1:8333/b/a%20b%2Bc?uploads=")
        let aws = try S3Endpoint(endpoint: nil, region: "eu-west-1", pathStyle: nil)
        #expect(!aws.pathStyle)
        #expect(aws.url(bucket: "b", key: "k") == "https://b.s3.eu-west-1.amazonaws.com/k")
        #expect(throws: RemoteError.self) { try S3Endpoint(endpoint: "127.0.0.1:8333", region: "r", pathStyle: nil) }
        #expect(throws: RemoteError.self) { try S3Endpoint(endpoint: "http://host/path", region: "r", pathStyle: nil) }
    }

    @Test("credentials: remote profile, then environment keys, then AWS_PROFILE, then default; region order")
    func credentials() throws {
        let sandbox = try Sandbox()
        try FileSystem.writeAtomically(sandbox.path("credentials"), Array("""
        [default]
        aws_access_key_id = DEFAULTKEY
        aws_secret_access_key = defaultsecret
        [lab]
        aws_access_key_id=LABKEY
        aws_secret_access_key=labsecret
        aws_session_token = labtoken
        """.utf8))
        try FileSystem.writeAtomically(sandbox.path("config"), Array("[profile lab]\nregion = eu-central-1\n".utf8))
        var environment = ["AWS_SHARED_CREDENTIALS_FILE": sandbox.path("credentials"), "AWS_CONFIG_FILE": sandbox.path("config")]
        #expect(S3Credentials.resolve(profile: nil, environment: environment)?.accessKeyID == "DEFAULTKEY")
        environment["AWS_PROFILE"] = "lab"
        #expect(S3Credentials.resolve(profile: nil, environment: environment)?.sessionToken == "labtoken")
        environment["AWS_ACCESS_KEY_ID"] = "ENVKEY"
        environment["AWS_SECRET_ACCESS_KEY"] = "envsecret"
        #expect(S3Credentials.resolve(profile: nil, environment: environment)?.accessKeyID == "ENVKEY")
        #expect(S3Credentials.resolve(profile: "lab", environment: environment)?.accessKeyID == "LABKEY")
        let shown = "\(try #require(S3Credentials.resolve(profile: "lab", environment: environment)))"
        #expect(!shown.contains("labsecret"))

        #expect(S3Credentials.region(configured: nil, profile: nil, environment: environment) == "eu-central-1")
        environment["AWS_REGION"] = "ap-south-1"
        #expect(S3Credentials.region(configured: nil, profile: nil, environment: environment) == "ap-south-1")
        #expect(S3Credentials.region(configured: "us-west-2", profile: nil, environment: environment) == "us-west-2")
        #expect(S3Credentials.resolve(profile: nil, environment: ["HOME": sandbox.root]) == nil)
    }

    @Test("remotes.json: first remote is the default, names validated, newer version refused")
    func registry() throws {
        let sandbox = try Sandbox()
        let project = try sandbox.project("p")
        var registry = RemoteRegistry()
        try registry.add(RemoteSettings(name: "origin", url: "/r1"))
        try registry.add(RemoteSettings(name: "backup", url: "s3://bucket/x", endpoint: "http://127.0.0.1:1"))
        #expect(registry.defaultRemote == "origin")
        #expect(throws: RemoteError.self) { try registry.add(RemoteSettings(name: "origin", url: "/r2")) }
        #expect(throws: RemoteError.self) { try registry.add(RemoteSettings(name: "-bad", url: "/r2")) }
        try registry.save(project.project.layout)
        let loaded = try RemoteRegistry.load(project.project.layout)
        #expect(loaded.remotes.map(\.name) == ["backup", "origin"])
        #expect(loaded.defaultRemote == "origin")
        #expect(loaded.remote(named: "backup") == registry.remote(named: "backup"))
        #expect(try registry.resolve(nil).name == "origin")
        try registry.remove("origin")
        #expect(registry.defaultRemote == nil)
        // With a single remote left, it is used when none is named.
        #expect(try registry.resolve(nil).name == "backup")
        // A remote added while there is no default becomes the default.
        try registry.add(RemoteSettings(name: "third", url: "/r3"))
        #expect(try registry.resolve(nil).name == "third")
        try FileSystem.writeAtomically(RemoteRegistry.path(in: project.project.layout), Array(#"{"version": 9, "remotes": []}"#.utf8))
        #expect(throws: RemoteError.self) { try RemoteRegistry.load(project.project.layout) }
    }
}
