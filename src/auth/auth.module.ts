import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { CredentialThrottle } from './credential-throttle';
import { LoginThrottlesRepository } from './login-throttles.repository';
import { SessionsRepository } from './sessions.repository';
import { UserAccountsService } from './user-accounts.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';

@Module({
  controllers: [AuthController, UsersController],
  providers: [
    UsersRepository,
    SessionsRepository,
    LoginThrottlesRepository,
    CredentialThrottle,
    UserAccountsService,
    AuthService,
    AuthGuard,
  ],
  exports: [AuthService, AuthGuard, UsersRepository, CredentialThrottle],
})
export class AuthModule {}
