@testable import DverPipeline
import Foundation
import Testing

@Suite("Cross, union, join and chains (local runtime)")
struct CombinedInputTests {
    static func spec(_ name: String, input: String, cmd: String) -> String {
        """
        pipeline: {name: \(name)}
        input:
        \(input)
        transform:
          cmd: ["sh", "-c", \(PipelineProject.jsonString(cmd))]
        runtime: local
        """
    }

    @Test("cross gives every combination; union concatenates")
    func crossAndUnion() throws {
        let project = try PipelineProject.make(["data/left/a": "a", "data/left/b": "b", "data/right/x": "x", "data/right/y": "y", "data/right/z": "z"])
        try project.commit("both", ["data/left", "data/right"])
        try project.create(Self.spec("pairs", input: """
          cross:
            - pfs: {repo: left, glob: "/*"}
            - pfs: {repo: right, glob: "/*"}
        """, cmd: "l=$(cat $DVER_PFS/left/*); r=$(cat $DVER_PFS/right/*); echo $l$r > $DVER_OUTPUT/$l$r"), file: "pairs.yaml")
        let pairs = try project.run("pairs")
        #expect(pairs.datums.count == 6 && pairs.state == .succeeded)
        #expect(Set(try project.files("pairs").keys) == ["ax", "ay", "az", "bx", "by", "bz"])

        try project.create(Self.spec("all", input: """
          union:
            - pfs: {repo: left, glob: "/*", name: in}
            - pfs: {repo: right, glob: "/*", name: in}
        """, cmd: "cat $DVER_PFS/in/* > $DVER_OUTPUT/$(cat $DVER_PFS/in/*)"), file: "all.yaml")
        let all = try project.run("all")
        #expect(all.datums.count == 5)
        #expect(Set(try project.files("all").keys) == ["a", "b", "x", "y", "z"])

        // One more file on the right: only its cross datums run.
        try project.write("data/right/w", "w")
        let jobs = try project.commitAndTrigger("w", ["data/right"])
        #expect(jobs.map(\.pipeline) == ["all", "pairs"])
        #expect(jobs.first { $0.pipeline == "pairs" }?.count(.succeeded) == 2)
        #expect(jobs.first { $0.pipeline == "all" }?.count(.succeeded) == 1)
    }

    @Test("join pairs files whose capture groups match")
    func join() throws {
        let project = try PipelineProject.make(["data/images/1.img": "one", "data/images/2.img": "two", "data/images/3.img": "three",
                                                "data/labels/1.txt": "cat", "data/labels/2.txt": "dog", "data/labels/9.txt": "none"])
        try project.commit("both", ["data/images", "data/labels"])
        try project.create(Self.spec("labelled", input: """
          join:
            - pfs: {repo: images, glob: "/(*).img", join_on: "$1"}
            - pfs: {repo: labels, glob: "/(*).txt", join_on: "$1"}
        """, cmd: "i=$(ls $DVER_PFS/images); echo $(cat $DVER_PFS/images/$i)=$(cat $DVER_PFS/labels/*) > $DVER_OUTPUT/$i"))
        let job = try project.run("labelled")
        #expect(job.datums.count == 2, "\(job.datums.map(\.inputs))")
        #expect(try project.files("labelled") == ["1.img": "one=cat\n", "2.img": "two=dog\n"])
    }

    @Test("one commit runs the whole downstream chain in order")
    func chain() throws {
        let project = try PipelineProject.make(["data/raw/a.txt": "hello\n", "data/raw/b.txt": "world\n"])
        try project.commit()
        try project.create(PipelineProject.localSpec(name: "upper", cmd: LocalJobTests.upper), file: "upper.yaml")
        try project.create(PipelineProject.localSpec(name: "count", repo: "upper", glob: "/",
                                                     cmd: "cat $DVER_PFS/upper/* | wc -l | tr -d ' ' > $DVER_OUTPUT/lines"), file: "count.yaml")
        // A cycle back into upper's input is refused at create time.
        let cycle = PipelineProject.localSpec(name: "raw2", repo: "count", cmd: "true").replacingOccurrences(of: "raw2", with: "upper")
        try project.write("pipelines/cycle.yaml", cycle)
        #expect(throws: PipelineError.self) { try project.runner.catalog.update(file: project.path("pipelines/cycle.yaml"), project: project.project) }

        try project.write("data/raw/c.txt", "again\n")
        let jobs = try project.commitAndTrigger()
        #expect(jobs.map(\.pipeline) == ["upper", "count"])
        #expect(jobs.allSatisfy { $0.state == .succeeded })
        #expect(try project.files("count") == ["lines": "3\n"])
        let count = try #require(try project.headCommit("count"))
        #expect(count.provenance["input.upper"] == "upper@\(jobs[0].outputCommit ?? "")")
    }
}
