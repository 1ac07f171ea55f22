using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.Tests;

public sealed class FormatsTests
{
    [Theory]
    [InlineData("127.0.0.2:8000", true)]
    [InlineData("[::1]:8000", true)]
    [InlineData("[fd00::7]:1", true)]
    [InlineData("vllm-0.models.svc.cluster.local:65535", true)]
    [InlineData("LocalHost:80", true)]
    [InlineData("127.0.0.2", false)]
    [InlineData("127.0.0.2:", false)]
    [InlineData("127.0.0.2:0", false)]
    [InlineData("127.0.0.2:08000", false)]
    [InlineData("127.0.0.2:65536", false)]
    [InlineData("::1:8000", false)]
    [InlineData("[127.0.0.1]:80", false)]
    [InlineData("[::1]8000", false)]
    [InlineData("300.0.0.1:80", false)]
    [InlineData("under_score:80", false)]
    [InlineData(":80", false)]
    public void IsHostPort_Table(string value, bool expected) => Assert.Equal(expected, Formats.IsHostPort(value));

    [Theory]
    [InlineData("10.0.0.7", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("2001:db8::ffff", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("10.0.0", false)]
    [InlineData("1", false)]
    [InlineData("010.0.0.1", false)]
    [InlineData("10.0.0.256", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("vllm-0", false)]
    public void IsIP_Table(string value, bool expected) => Assert.Equal(expected, Formats.IsIP(value));

    [Theory]
    [InlineData("app", 0)]
    [InlineData("app.kubernetes.io/name", 0)]
    [InlineData("a/b/c", 1)]
    [InlineData("/name", 1)]
    [InlineData("example.com/", 1)]
    [InlineData("Bad.Prefix/name", 1)]
    [InlineData("-name", 1)]
    public void QualifiedName_Table(string value, int problems) => Assert.Equal(problems, Formats.QualifiedName(value).Count);

    [Theory]
    [InlineData("2024-01-02T03:04:05Z", true)]
    [InlineData("2024-01-02T03:04:05.123456+05:30", true)]
    [InlineData("2024-01-02", false)]
    [InlineData("2024-13-02T03:04:05Z", false)]
    [InlineData("yesterday", false)]
    public void IsDateTime_Table(string value, bool expected) => Assert.Equal(expected, Formats.IsDateTime(value));
}
