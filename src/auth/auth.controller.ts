import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { LoginSchema } from 'src/platform/query.schemas';
import { parseRequest } from 'src/platform/zod-request';
import { AuthService } from './auth.service';

@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  login(@Body() body: unknown) {
    const { username, password } = parseRequest(LoginSchema, body, 'body');
    return this.auth.login(username, password);
  }
}
