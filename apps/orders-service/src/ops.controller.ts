import { Controller, Get, Header, Res } from '@nestjs/common';
import { register } from 'prom-client';
import { EventBusHealthIndicator } from 'nest-ordered-eventbus';

/** What an operator scrapes while the demo runs: Prometheus metrics and the event bus's health. */
@Controller()
export class OpsController {
  constructor(private readonly health: EventBusHealthIndicator) {}

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }

  @Get('health')
  async check(@Res({ passthrough: true }) response: { status(code: number): unknown }) {
    const result = await this.health.isHealthy();
    response.status(result.eventbus.status === 'up' ? 200 : 503);
    return result;
  }
}
