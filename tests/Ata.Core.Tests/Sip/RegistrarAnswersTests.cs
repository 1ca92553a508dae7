using Ata.Core.Faults;
using Ata.Core.Sip;

namespace Ata.Core.Tests.Sip;

/// <summary>The status-code table, checked with vectors: what each answer to REGISTER makes the line do and show.</summary>
public class RegistrarAnswersTableTests
{
    [Theory]
    [InlineData(200, RegistrarAnswers.Accept, null)]
    [InlineData(202, RegistrarAnswers.Accept, null)]
    [InlineData(401, RegistrarAnswers.Challenge, FaultCode.WrongCredentials)]
    [InlineData(407, RegistrarAnswers.Challenge, FaultCode.WrongCredentials)]
    [InlineData(403, RegistrarAnswers.Stop, FaultCode.WrongCredentials)]
    [InlineData(404, RegistrarAnswers.Stop, FaultCode.AccountUnknown)]
    [InlineData(408, RegistrarAnswers.TryOther, FaultCode.RegistrarUnreachable)]
    [InlineData(423, RegistrarAnswers.AskLonger, FaultCode.RegistrationRefused)]
    [InlineData(500, RegistrarAnswers.TryOther, FaultCode.RegistrarOverloaded)]
    [InlineData(503, RegistrarAnswers.TryOther, FaultCode.RegistrarOverloaded)]
    [InlineData(599, RegistrarAnswers.TryOther, FaultCode.RegistrarOverloaded)]
    [InlineData(302, RegistrarAnswers.Retry, FaultCode.RegistrationRefused)]
    [InlineData(400, RegistrarAnswers.Retry, FaultCode.RegistrationRefused)]
    [InlineData(480, RegistrarAnswers.Retry, FaultCode.RegistrationRefused)]
    [InlineData(603, RegistrarAnswers.Retry, FaultCode.RegistrationRefused)]
    public void Maps_each_answer_to_an_action_and_a_fault(int code, int action, string? fault)
    {
        Assert.Equal(action, RegistrarAnswers.ActionFor(code));
        Assert.Equal(fault, RegistrarAnswers.FaultFor(code));
        if (fault is null)
        {
            Assert.Null(RegistrarAnswers.DetailFor(code));
        }
        else
        {
            Assert.EndsWith($"({code})", RegistrarAnswers.DetailFor(code));
        }
    }
}
