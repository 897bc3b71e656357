import Ginkgo

/// `quickstart`: the manual's quickstart services behind the Ginkgo runner.
///
/// ```
/// swift run quickstart HelloWorld
/// swift run quickstart Examples/Quickstart/service.conf.yaml
/// swift run quickstart ctl Examples/Quickstart/service.conf.yaml start
/// ```
@main
struct Quickstart {
    static func main() {
        Runner(services: [HelloWorld.self], version: "0.1.0").main()
    }
}
